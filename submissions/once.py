"""Create forms that create once: going Back and submitting again (or a
double click, or two tabs) never makes a second object.

Every create form carries a hidden ``client_token`` (:class:`OnceForm`), a
fresh UUID when the form is rendered. The view wraps its action call in
:func:`create_once`, which runs it and records the token with the object made
in the same transaction; a second submission with the same token runs nothing
and gets the first object back, and the view redirects to it with the message
:data:`ALREADY_MADE`.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nghisu.errors import ActionError
from submissions.models import FormToken

M = TypeVar("M", bound=models.Model)

__all__ = ["OnceForm", "create_once", "forget_form_tokens", "replayed"]

#: A form left open longer than this submits as new (its token is gone).
KEEP_DAYS = 7


class OnceForm(forms.Form):
    """A create form's hidden one-time token (rendered with the hidden fields)."""

    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "client_token" not in self.initial:
            self.initial["client_token"] = uuid.uuid4()

    @property
    def token(self) -> uuid.UUID | None:
        return self.cleaned_data.get("client_token")


def _made(token: uuid.UUID, user) -> tuple[bool, models.Model | None]:
    row = FormToken.objects.filter(token=token).select_related("content_type").first()
    if row is None:
        return False, None
    if row.user_id != user.pk:
        raise ActionError(
            _("Biểu mẫu không hợp lệ; hãy tải lại trang rồi gửi lại."),
            code="bad_token",
        )
    model = row.content_type.model_class()
    return True, model._default_manager.filter(pk=row.object_id).first()


def create_once(
    user, token: uuid.UUID | None, create: Callable[[], M]
) -> tuple[M | None, bool]:
    """Run ``create`` (an action) once per form token.

    Returns ``(object, created)``: ``created`` is False when the token was
    already used, and the object is the one that submission made (None if it
    was deleted since). Without a token (an old page) it simply runs.
    """
    if token is None:
        return create(), True
    done, obj = _made(token, user)
    if done:
        return obj, False
    try:
        with transaction.atomic():
            obj = create()
            FormToken.objects.create(
                token=token,
                user=user,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=str(obj.pk),
            )
    except IntegrityError:
        done, obj = _made(token, user)
        if not done:
            raise
        return obj, False
    return obj, True


def replayed(request) -> None:
    """Tell the user their form was already submitted (the view redirects)."""
    messages.info(request, _("Đã tạo trước đó; không tạo thêm lần nữa."))


def forget_form_tokens(now: datetime.datetime | None = None) -> int:
    """Delete tokens older than :data:`KEEP_DAYS`; return how many went.

    Run by the scheduler (:func:`work.actions.schedule.run_due_jobs`)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    deleted, _counts = FormToken.objects.filter(created_at__lt=cutoff).delete()
    return deleted
