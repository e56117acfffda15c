"""A scripted stand-in for requests.Session: each call pops the next canned answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests


def response(
    status: int, body: Any = None, *, raw: bytes | None = None, headers: dict[str, str] | None = None
) -> requests.Response:
    out = requests.Response()
    out.status_code = status
    out._content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    out.headers.update(headers or {})
    return out


Answer = requests.Response | BaseException | Callable[[dict[str, Any]], requests.Response]


class ScriptedSession:
    """Answers requests from a script; records what was sent."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []

    def add(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        call = {"method": method, "url": url, **kwargs}
        self.sent.append(call)
        if not self.answers:
            raise AssertionError(f"unexpected request {method} {url}")
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer) and not isinstance(answer, requests.Response):
            return answer(call)
        return answer

    def close(self) -> None:
        pass


class Sleeps:
    """An injected sleep that records instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
