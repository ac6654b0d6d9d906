"""The question segment in the meeting's minutes (registered with
:mod:`meetings.minutes_sections` by :class:`oversight.apps.OversightConfig`).

Under the segment's agenda item: who asked whom, the question, and whether it
was answered in the hall (with the times the question and the answer took) or
is to be answered in writing (with the due date), or was not answered.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from oversight.models import Outcome, Question

_CLOSED = (Outcome.HALL, Outcome.WRITTEN_DUE, Outcome.WRITTEN, Outcome.SKIPPED)


def _duration(start: datetime.datetime | None, end: datetime.datetime | None) -> str:
    if start is None or end is None or end < start:
        return "—"
    seconds = int((end - start).total_seconds())
    minutes, seconds = divmod(seconds, 60)
    return _("%(m)s phút %(s)s giây") % {"m": minutes, "s": seconds}


def _line(q: Question) -> str:
    official = q.official
    whom = (
        f"{official.user} ({official.title or q.agency.name})"
        if official is not None
        else q.agency.name
    )
    text = _("Đại biểu %(asker)s chất vấn %(whom)s: “%(question)s”") % {
        "asker": q.asker,
        "whom": whom,
        "question": q.text,
    }
    if q.outcome == Outcome.HALL:
        asked_end = q.answer_started_at or q.finished_at
        text += " " + _(
            "Đã trả lời tại hội trường (thời gian hỏi: %(asked)s; thời gian trả "
            "lời: %(answered)s)."
        ) % {
            "asked": _duration(q.asked_at, asked_end),
            "answered": _duration(q.answer_started_at, q.finished_at),
        }
    elif q.outcome in (Outcome.WRITTEN_DUE, Outcome.WRITTEN):
        due = f"{q.answer_due:%d/%m/%Y}" if q.answer_due else "—"
        text += " " + _("Trả lời bằng văn bản, hạn %(due)s.") % {"due": due}
    else:
        text += " " + _("Không trả lời tại kỳ họp.")
    return text


def segment_sections(meeting) -> dict[int, list[dict]]:
    """The blocks per agenda item for the meeting's question segments: the
    questions called in the hall, in the order they were asked. One query."""
    rows = (
        Question.objects.filter(
            segment__meeting_id=meeting.pk,
            asked_at__isnull=False,
            outcome__in=_CLOSED,
        )
        .select_related("segment", "asker", "agency", "official__user")
        .order_by("asked_at", "id")
    )
    blocks: dict[int, list[dict]] = {}
    for q in rows:
        item = q.segment.agenda_item_id
        if item not in blocks:
            blocks[item] = [
                {"kind": "paragraph", "text": _("Phần chất vấn và trả lời chất vấn:")}
            ]
        blocks[item].append({"kind": "paragraph", "text": _line(q)})
    return blocks
