"""Errors that actions raise; views and consumers turn them into messages."""

from typing import Any

from django.http import Http404


class ActionError(Exception):
    """A refused change: a stable English ``code`` and a Vietnamese ``message``.

    Raised before anything is written (or inside the transaction, which then rolls
    back), so a refusal never leaves a half-made change. A refusal that must be
    audited carries ``audit`` (``{"user", "action", "obj", "detail"}``), recorded
    after the rollback by :func:`accounts.actions.record_refusal`.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        audit: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.audit = audit

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class NotFound(Http404):
    """The object does not exist, or the user may not learn that it does."""

    code = "not_found"

    def __init__(self, message: str = "Không tìm thấy nội dung này.") -> None:
        super().__init__(message)
        self.message = message
