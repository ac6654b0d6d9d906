"""The command store: each room command answered once.

An answer is stored per (meeting, user, client id, type) in the same
transaction as the change it answers, so a command re-sent after a lost answer
(even to another server process) gets the first answer and changes nothing.
Used by the command registry (:mod:`realtime.commands`); answers are purged
after a day by the scheduler.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_refusal
from meetings.room_models import (
    RoomCommand,
)
from nghisu.errors import ActionError


def answered(
    meeting_id: int, user_id: int, client_id: str, kind: str
) -> dict[str, Any] | None:
    """The stored answer to a command already done, if any.

    An id is a command's for a day: the same id with another command type is
    refused (``id_reused``) instead of answering one command with another's
    answer, or doing the second and forgetting the first.
    """
    row = (
        RoomCommand.objects.filter(
            meeting_id=meeting_id, user_id=user_id, client_id=client_id
        )
        .values_list("kind", "response")
        .first()
    )
    if row is None:
        return None
    stored_kind, response = row
    if stored_kind and stored_kind != kind:  # "": stored before types were
        raise ActionError(
            _(
                "Mã lệnh “%(id)s” đã được dùng cho một lệnh khác; "
                "hãy gửi lệnh mới với mã mới."
            )
            % {"id": client_id},
            code="id_reused",
        )
    return response


def run_once(
    meeting_id: int, user_id: int, client_id: str, kind: str, func, *args, **kwargs
) -> tuple[dict[str, Any], bool]:
    """Run a command at most once per (meeting, user, client id, type).

    Returns ``(answer, replayed)``. The answer is stored in the same
    transaction as the change, so a command re-sent after a lost answer (even
    to another server process) gets the first answer and changes nothing. An
    empty id is refused, and an id already used for another type of command
    (see :func:`answered`).
    """
    if not client_id:
        raise ActionError(_("Mã lệnh “id” không được để trống."), code="bad_message")
    previous = answered(meeting_id, user_id, client_id, kind)
    if previous is not None:
        return previous, True
    try:
        with transaction.atomic():
            result = func(*args, **kwargs)
            RoomCommand.objects.create(
                meeting_id=meeting_id,
                user_id=user_id,
                client_id=client_id,
                kind=kind,
                response=result,
            )
    except IntegrityError:
        previous = answered(meeting_id, user_id, client_id, kind)
        if previous is None:
            raise
        return previous, True
    except ActionError as exc:
        record_refusal(exc)  # a refusal to audit, now that it rolled back
        raise
    return result, False


def forget_commands(*, older_than_hours: int = 24) -> int:
    """Delete stored answers older than a day (re-sends come within minutes).

    Run by the scheduler (:func:`work.actions.schedule.run_due_jobs`)."""
    cutoff = timezone.now() - datetime.timedelta(hours=older_than_hours)
    deleted, _counts = RoomCommand.objects.filter(created_at__lt=cutoff).delete()
    return deleted
