"""The counting record of a closed vote: built and signed once, at closing.

:func:`meetings.actions.votes.do_close` calls :func:`on_close`, which enqueues
``meetings.tasks.counting_record_task`` after commit; the task calls
:func:`meetings.counting_record.make_counting_record`, which lays out the record
(in the sandboxed PDF pool), signs it with the body's certificate when one is
configured (audited ``signature.signed`` as done by the chair who closed the
vote) and stores it at :func:`meetings.counting_record.record_path`. The
download (``meetings.room_views.counting_record``) only serves the stored
file; when it is missing (the worker has not run yet, or the enqueue failed)
it asks for it again with :func:`request_counting_record`.
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import User
from meetings.room_models import Vote

logger = logging.getLogger(__name__)


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
