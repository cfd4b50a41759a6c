"""Domain errors that carry their HTTP status; one middleware shapes every error answer."""

from __future__ import annotations

from typing import Any

from aiohttp import web


def error_response(status: int, code: str, message: str, **details: Any) -> web.Response:
    """The one error shape: {"error": {"code", "message", "status", ...}}."""
    return web.json_response(
        {"error": {"code": code, "message": message, "status": status, **details}}, status=status
    )


class ApiError(Exception):
    """An error the client should see as `{"error": {"code", "message", "status"}}`."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class Unprocessable(ApiError):
    status = 422
    code = "validation_error"


class InvalidNumberError(Unprocessable):
    code = "invalid_number"
