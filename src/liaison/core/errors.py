"""Domain errors, mapped to HTTP status codes in one place (``liaison.web.errors``).

Services raise these with messages a user can act on; handlers never build
error responses by hand.
"""

from __future__ import annotations

#: The largest id or count accepted from a request: ids are 32-bit on PostgreSQL.
MAX_INT = 2**31 - 1

__all__ = [
    "MAX_INT", "Conflict", "DomainError", "Forbidden", "Invalid", "NotFound", "TooLarge", "TooManyRequests",
    "Unauthenticated",
]


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}
        self.headers = headers or {}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Invalid(DomainError):
    status_code = 422
    code = "invalid"


class Unauthenticated(DomainError):
    """The caller could not be identified (e.g. a bad station signature)."""

    status_code = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"


class TooManyRequests(DomainError):
    status_code = 429
    code = "rate_limited"
