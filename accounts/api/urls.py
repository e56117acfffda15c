from __future__ import annotations

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register/", views.RegisterApi.as_view(), name="auth-register"),
    path("auth/login/", views.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("auth/me/", views.MeApi.as_view(), name="auth-me"),
    path("auth/tokens/", views.TokenListCreateApi.as_view(), name="token-list"),
    path("auth/tokens/<int:token_id>/", views.TokenDeleteApi.as_view(), name="token-detail"),
    path("credentials/", views.CredentialListCreateApi.as_view(), name="credential-list"),
    path("credentials/<int:credential_id>/", views.CredentialDetailApi.as_view(), name="credential-detail"),
]
