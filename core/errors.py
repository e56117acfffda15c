"""The one application error type services raise; the API handler renders it."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A failure a user can act on: rendered as {"message", "code", "details"} with `status`."""

    def __init__(
        self, message: str, *, code: str = "invalid", status: int = 400, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details or {}


class NotFoundError(ApplicationError):
    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, code="not_found", status=404)
