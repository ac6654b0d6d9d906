"""Meetings as annotations see them (:mod:`documents.meeting_scope`), installed
by :class:`meetings.apps.MeetingsConfig` at ``ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef

from meetings.models import AgendaDocument, Meeting, MeetingStatus, Participant


def attends(user):
    return Participant.objects.filter(meeting_id=OuterRef("meeting_id"), user=user)


def participant_ids(meeting_id: int) -> set[int]:
    return set(
        Participant.objects.filter(meeting_id=meeting_id).values_list(
            "user_id", flat=True
        )
    )


def sharing_meetings(user, document) -> list[dict[str, Any]]:
    meetings = (
        Meeting.objects.filter(
            participants__user=user, items__attachments__document=document
        )
        .exclude(status=MeetingStatus.DRAFT)
        .distinct()
        .order_by("-starts_at", "-pk")
        .values("pk", "title", "status")[:20]
    )
    return [
        {
            "id": m["pk"],
            "title": m["title"],
            "live": m["status"] == MeetingStatus.IN_PROGRESS,
        }
        for m in meetings
    ]


def meeting_titles(user, document_ids: set[int]) -> dict[int, list[str]]:
    seen: dict[int, list[str]] = {}
    for doc_id, title in (
        AgendaDocument.objects.filter(
            document_id__in=document_ids, item__meeting__participants__user=user
        )
        .values_list("document_id", "item__meeting__title")
        .distinct()
    ):
        seen.setdefault(doc_id, []).append(title)
    return seen


def share_refusal(user, meeting_id: int, document_id: int) -> str | None:
    joined = (
        Participant.objects.filter(meeting_id=meeting_id, user=user)
        .exclude(meeting__status=MeetingStatus.DRAFT)
        .exists()
    )
    if not joined:
        return "not_attending"
    on_agenda = AgendaDocument.objects.filter(
        item__meeting_id=meeting_id, document_id=document_id
    ).exists()
    return None if on_agenda else "not_on_agenda"
