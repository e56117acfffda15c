"""The served editor shell in a real browser: sign in, see who you are, sign out."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import DEFAULT_PASSWORD, UserFactory


def test_a_user_signs_in_and_out_in_the_browser(page):
    UserFactory.create(email="alice@example.com")
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("health")).to_have_text("Service: ok")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Signed in as alice@example.com")).to_be_visible()
    screenshot(page, "signed-in")

    # The session survives a reload, and signing out (a CSRF-protected POST) works.
    page.reload()
    expect(page.get_by_role("heading", name="Signed in as alice@example.com")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_wrong_password_shows_the_reason(page):
    UserFactory.create(email="alice@example.com")
    page.goto("/")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    screenshot(page, "wrong-password")
