"""The question segment's panel in the live room (an inclusion tag, so the
room's view and template change by one line)."""

from __future__ import annotations

from django import template

from oversight.models import QuestionSegment

register = template.Library()


@register.inclusion_tag("oversight/_room_segment.html")
def question_segment(meeting, seat) -> dict:
    """The meeting's question segment (the one on the current item, else the
    latest): one query, and one for the chair's officials; nothing when the
    meeting has none."""
    segments = list(
        QuestionSegment.objects.filter(meeting=meeting)
        .order_by("-id")
        .only("id", "agenda_item_id")
    )
    segment = next(
        (s for s in segments if s.agenda_item_id == meeting.current_item_id),
        segments[0] if segments else None,
    )
    control = bool(getattr(seat, "can_control", False))
    officials = (
        list(
            segment.officials.filter(active=True)
            .select_related("user", "agency")
            .order_by("id")
        )
        if control and segment is not None
        else []
    )  # whom a delegate called from the floor queue questions (one query)
    return {"segment": segment, "control": control, "officials": officials}
