"""The service layer's errors, and how each one is treated by the worker."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the service layer's errors. ``reason`` is PHI-free."""

    code = "service_error"

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if code is not None:
            self.code = code


class TransientError(ServiceError):
    """Worth retrying with backoff (a database lock, an unavailable downstream)."""

    code = "transient"


class PermanentError(ServiceError):
    """Retrying cannot help: the message becomes a dead letter."""

    code = "permanent"


class MessageTooLarge(ServiceError):
    """Raised by an entry point reading a body past its limit; ``prefix`` holds the first bytes read."""

    code = "too_large"

    def __init__(self, reason: str, *, prefix: bytes = b"") -> None:
        super().__init__(reason)
        self.prefix = prefix


class NotFound(ServiceError):
    code = "not_found"


class NotAuthenticated(ServiceError):
    code = "unauthorized"


class Forbidden(ServiceError):
    code = "forbidden"
