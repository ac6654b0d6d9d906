"""The counting record of a closed vote: built and signed once, at closing.

:func:`meetings.actions.votes.do_close` enqueues
``meetings.tasks.counting_record_task`` after commit; the task calls
:func:`make_counting_record`, which lays out the record (in the sandboxed PDF
pool), signs it with the body's certificate when one is configured (audited
``signature.signed`` as done by the chair who closed the vote) and stores it
at :func:`record_path`. The download (``meetings.room_views.counting_record``)
only serves the stored file; when it is missing (the worker has not run yet,
or the enqueue failed) it asks for it again with :func:`request_counting_record`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from meetings.room_models import Vote, VoteStatus

logger = logging.getLogger(__name__)


def record_path(vote_id: int) -> Path:
    """Where a closed vote's counting record is stored."""
    return Path(settings.MEDIA_ROOT) / "votes" / str(vote_id) / "record.pdf"


def on_close(vote: Vote, actor: User | None) -> None:
    """After the close commits, have the record built (inside the action)."""
    vote_id, actor_id = vote.pk, getattr(actor, "pk", None)
    transaction.on_commit(lambda: request_counting_record(vote_id, actor_id))


def request_counting_record(vote_id: int, actor_id: int | None = None) -> None:
    """Enqueue the record's build; a failure is logged (the download asks again)."""
    from meetings.tasks import counting_record_task

    try:
        counting_record_task.enqueue(vote_id, actor_id)
    except Exception:
        logger.exception("vote %s: enqueueing the counting record failed", vote_id)


def make_counting_record(vote_id: int, actor_id: int | None = None) -> str:
    """Build, sign and store a closed vote's counting record; return its path.

    Idempotent: a record already stored is kept (the result is frozen at
    closing, so the file never changes). In the site's language, whoever asks.
    Raises ``documents.pdf.PdfError`` when the pool or the signing fails.
    """
    from documents import signing, storage
    from meetings.counting_record import counting_record_spec

    path = record_path(vote_id)
    if path.exists():
        return str(path)
    vote = Vote.objects.select_related("meeting", "meeting__body").get(pk=vote_id)
    if vote.status != VoteStatus.CLOSED:
        raise ValueError(f"vote {vote_id} is not closed")
    actor = User.objects.filter(pk=actor_id or vote.closed_by_id).first()
    with translation.override(settings.LANGUAGE_CODE):
        spec = counting_record_spec(vote)
        data = signing.sign_record(
            spec,
            body=vote.meeting.body,
            actor=actor,
            obj=vote,
            reason=_("Biên bản kiểm phiếu"),
        )
    storage.write_atomically(path, [data])
    return str(path)
