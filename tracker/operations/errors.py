"""Errors an operation raises, each with a code and a message a person can act on."""

from __future__ import annotations


class OperationError(ValueError):
    """Base of the errors below; `status` is the HTTP status that fits."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class Invalid(OperationError):
    status = 422
    code = "invalid"


class NotFound(OperationError):
    status = 404
    code = "not_found"


class Conflict(OperationError):
    status = 409
    code = "conflict"


class Forbidden(OperationError):
    status = 403
    code = "forbidden"
