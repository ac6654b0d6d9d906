"""The question segment's snapshot: what every tablet shows (JSON-able)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from oversight.models import Outcome, Phase, Question, QuestionSegment


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _person(question: Question) -> dict:
    official = question.official
    return {
        "id": question.pk,
        "topic": question.topic,
        "text": question.text,
        "asker": str(question.asker),
        "agency": question.agency.name,
        "official": str(official.user) if official else "",
        "official_title": official.title if official else "",
        "live": question.live,
    }


def segment_snapshot(segment: QuestionSegment) -> dict:
    """The segment's whole state: phase, the current question (who asks, who
    answers, the text), the timer as server timestamps, the list in order and
    the floor (questions sent live during the session, not yet in the list).
    Two queries."""
    everything = list(
        Question.objects.filter(meeting_id=segment.meeting_id)
        .filter(Q(segment=segment) | Q(live=True, segment__isnull=True))
        .exclude(outcome=Outcome.MERGED)
        .select_related("asker", "agency", "official__user")
        .order_by("order", "created_at", "id")
    )
    rows = [q for q in everything if q.segment_id == segment.pk]
    floor = [q for q in everything if q.segment_id is None]
    current = next((q for q in rows if q.pk == segment.current_id), None)
    ends = (
        segment.phase_started_at + datetime.timedelta(seconds=segment.phase_seconds)
        if segment.phase_started_at and segment.phase != Phase.IDLE
        else None
    )
    return {
        "id": segment.pk,
        "meeting": segment.meeting_id,
        "item": segment.agenda_item_id,
        "version": segment.version,
        "phase": segment.phase,
        "phase_label": str(Phase(segment.phase).label),
        "started_at": _iso(segment.phase_started_at),
        "ends_at": _iso(ends),
        "seconds": segment.phase_seconds,
        "server_now": _iso(timezone.now()),
        "current": _person(current) if current else None,
        "queue": [_row(q) for q in rows],
        "floor": [_row(q) for q in floor if q.outcome == Outcome.PENDING],
    }


def _row(q: Question) -> dict:
    return {
        "id": q.pk,
        "asker": str(q.asker),
        "topic": q.topic,
        "official": str(q.official.user) if q.official_id else q.agency.name,
        "outcome": q.outcome,
        "outcome_label": str(Outcome(q.outcome).label),
    }
