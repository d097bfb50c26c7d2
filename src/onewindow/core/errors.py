"""The one error type of the domain layer.

Services raise `DomainError` with a stable code and a translatable message with named
placeholders; `onewindow.core.middleware.DomainErrorMiddleware` and the API's exception
handler turn it into the page or the JSON error, in the reader's language.
"""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain was broken by the request; nothing was changed."""

    status = 400

    def __init__(self, code: str, message: str | Promise, **params: Any) -> None:
        self.code = code
        self.message = message
        self.params = params
        super().__init__(code)

    def text(self) -> str:
        """The message in the active language, placeholders filled."""
        return str(self.message) % self.params if self.params else str(self.message)


class ConflictError(DomainError):
    """Someone else changed the record first (optimistic locking)."""

    status = 409
