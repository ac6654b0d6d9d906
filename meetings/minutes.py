"""The content of a meeting's minutes (biên bản), built from its records.

:func:`build_spec` turns the meeting, its participants, agenda, conclusions, the
live room's records (speakers and votes, through :func:`room_records`) and the
secretary's free texts into the JSON-able spec that
:func:`documents.pdf.build_record` lays out as an official record.
:func:`render_pdf` runs that in the PDF worker pool and returns the bytes.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import BodyKind, Share
from meetings import minutes_sections, queries
from meetings.models import Attendance, Meeting, Minutes, Role


@dataclass
class SpeakerRecord:
    """One speech on an item (the floor given and taken back in the room)."""

    name: str
    started_at: datetime.datetime | None = None
    ended_at: datetime.datetime | None = None


@dataclass
class VoteRecord:
    """A closed vote's result as the minutes state it.

    ``counts`` is ``[(option label, count)]`` in option order; ``names`` maps an
    option label to the voters' names for open votes (empty for secret ones).
    """

    question: str
    secret: bool
    counts: list[tuple[str, int]]
    members: int
    cast: int
    passed: bool | None
    names: dict[str, list[str]] = field(default_factory=dict)
    present: int | None = None  # members present when it opened
    quorum: int | None = None  # members needed present
    required: int | None = None  # votes in favour needed
    tie_text: str = ""


@dataclass
class ItemRecords:
    speakers: list[SpeakerRecord] = field(default_factory=list)
    votes: list[VoteRecord] = field(default_factory=list)


def room_records(meeting: Meeting) -> dict[int, ItemRecords]:
    """Speakers and closed votes' results per agenda item id, from the live room.

    Two queries (``speeches_for_minutes`` and ``results_for_minutes``). Items with
    no speech and no vote are absent, and the minutes leave those sections out
    rather than print empty ones.
    """
    from meetings.room import speeches_for_minutes
    from meetings.voting import results_for_minutes

    records: dict[int, ItemRecords] = {}
    for speech in speeches_for_minutes(meeting):
        if speech["item"] is None:
            continue
        records.setdefault(speech["item"], ItemRecords()).speakers.append(
            SpeakerRecord(
                name=speech["name"],
                started_at=_parse(speech["start"]),
                ended_at=_parse(speech["end"]),
            )
        )
    for row in results_for_minutes(meeting):
        if row["item"] is None:
            continue
        names: dict[str, list[str]] = {}
        for voter in row.get("voters", []):
            names.setdefault(voter["option_label"], []).append(voter["name"])
        records.setdefault(row["item"], ItemRecords()).votes.append(
            VoteRecord(
                question=row["question"],
                secret=row["kind"] == "secret",
                counts=[(c["label"], c["count"]) for c in row["counts_labelled"]],
                members=row["members"] or 0,
                cast=row["returned"] or 0,
                passed=row["passed"],
                names=names,
                present=row.get("present"),
                quorum=row.get("quorum"),
                required=row.get("required"),
                tie_text=rules.tie_explanation(
                    row.get("tie_break"),
                    in_favour=row["counts_labelled"][0]["count"],
                    against=row["counts_labelled"][1]["count"]
                    if len(row["counts_labelled"]) > 1
                    else 0,
                )
                if row.get("tie")
                else "",
            )
        )
    return records


def _parse(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(value) if value is not None else None


def _hm_date(value: datetime.datetime) -> str:
    value = timezone.localtime(value)
    return f"{value:%H} giờ {value:%M} phút ngày {value:%d/%m/%Y}"


def _long_date(value: datetime.date) -> str:
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def issuer_lines(meeting: Meeting) -> list[str]:
    """The issuing body at the top left ("HỘI ĐỒNG NHÂN DÂN" / "TỈNH SƠN LA")."""
    body = meeting.body
    unit = body.unit.name.upper()
    if body.kind == BodyKind.HDND:
        return ["HỘI ĐỒNG NHÂN DÂN", unit]
    if body.kind == BodyKind.UBND:
        return ["ỦY BAN NHÂN DÂN", unit]
    return [f"HĐND {unit}", (body.short_name or body.name).upper()]


def _place_name(meeting: Meeting) -> str:
    unit = meeting.body.unit
    prefix = f"{unit.level.name} "
    return unit.name[len(prefix) :] if unit.name.startswith(prefix) else unit.name


def _abbr(meeting: Meeting) -> str:
    return {BodyKind.UBND: "UBND"}.get(meeting.body.kind, "HĐND")


def build_spec(meeting: Meeting, minutes: Minutes) -> dict:
    """The minutes' content as a ``documents.pdf.record`` spec.

    A fixed number of queries (meeting rows, agenda, participants, member
    count, the room's records, the sections other apps register in
    :mod:`meetings.minutes_sections`) whatever the size of the meeting.
    """
    texts = minutes.texts or {}
    rows = queries.participants(meeting)
    items = queries.flatten(queries.agenda(meeting))
    records = room_records(meeting)
    sections = minutes_sections.collect(meeting)
    q = queries.quorum(meeting, rows)
    chair = next((p for p in rows if p.role == Role.CHAIR), None)
    secretary = next((p for p in rows if p.role == Role.SECRETARY), None)
    # The chair and the secretary attend in their role: never listed absent.
    in_role = (Role.CHAIR, Role.SECRETARY)
    present = [
        p for p in rows if p.attendance == Attendance.PRESENT or p.role in in_role
    ]
    seen = {p.pk for p in present}
    absent = [p for p in rows if p.pk not in seen]
    start = meeting.started_at or meeting.starts_at
    end = meeting.closed_at or meeting.ends_at
    blocks: list[dict] = []

    def heading(text: str) -> None:
        blocks.append({"kind": "heading", "text": text})

    def para(text: str) -> None:
        if text and text.strip():
            blocks.append({"kind": "paragraph", "text": text})

    heading(_("I. THỜI GIAN, ĐỊA ĐIỂM, CHỦ TỌA VÀ THƯ KÝ"))
    para(
        _("Thời gian: bắt đầu lúc %(start)s, kết thúc lúc %(end)s.")
        % {"start": _hm_date(start), "end": _hm_date(end)}
    )
    para(_("Địa điểm: %(place)s.") % {"place": meeting.place})
    para(_("Chủ tọa: %(name)s.") % {"name": chair.user if chair else "—"})
    para(_("Thư ký: %(name)s.") % {"name": secretary.user if secretary else "—"})
    para(texts.get("opening", ""))

    heading(_("II. THÀNH PHẦN THAM DỰ"))
    para(
        _(
            "Tổng số thành viên của %(body)s: %(members)s. Số thành viên có mặt: "
            "%(present)s/%(members)s; cần tối thiểu %(required)s (%(rule)s) để "
            "tiến hành cuộc họp: %(verdict)s."
        )
        % {
            "body": meeting.body.name,
            "members": q.members,
            "present": q.present,
            "required": q.required,
            "rule": Share(rules.rules_for(meeting.body).quorum).label.lower(),
            "verdict": _("đủ") if q.reached else _("không đủ"),
        }
    )
    if present:
        para(_("Có mặt (%(n)s người):") % {"n": len(present)})
        blocks.append(
            {
                "kind": "table",
                "columns": [_("STT"), _("Họ và tên"), _("Chức danh"), _("Vai trò")],
                "widths": [0.7, 3.2, 3.8, 1.8],
                "rows": [
                    [
                        str(n),
                        _person(p),
                        p.user.title,
                        p.get_role_display(),
                    ]
                    for n, p in enumerate(present, start=1)
                ],
            }
        )
    if absent:
        para(_("Vắng mặt (%(n)s người):") % {"n": len(absent)})
        blocks.append(
            {
                "kind": "table",
                "columns": [_("STT"), _("Họ và tên"), _("Lý do")],
                "widths": [0.7, 3.5, 5.3],
                "rows": [
                    [
                        str(n),
                        _person(p),
                        p.absence_reason or p.answer_reason or _("Không rõ lý do"),
                    ]
                    for n, p in enumerate(absent, start=1)
                ],
            }
        )

    heading(_("III. NỘI DUNG VÀ DIỄN BIẾN"))
    if not items:
        para(_("Cuộc họp không có nội dung trong chương trình."))
    item_notes = texts.get("items", {}) or {}
    for item in items:
        heading(f"{item.number}. {item.title}")
        if item.presenter_label:
            para(_("Trình bày: %(who)s.") % {"who": item.presenter_label})
        para(item_notes.get(str(item.pk), ""))
        rec = records.get(item.pk)
        if rec and rec.speakers:
            para(
                _("Ý kiến phát biểu: %(names)s.")
                % {"names": "; ".join(_speech(s) for s in rec.speakers)}
            )
        for vote in rec.votes if rec else []:
            para(_vote_text(vote))
        blocks.extend(sections.get(item.pk, ()))
        if item.conclusion_or_none is not None:
            para(_("Kết luận: %(text)s") % {"text": item.conclusion_or_none.text})

    heading(_("IV. KẾT THÚC"))
    para(texts.get("closing", ""))
    para(
        _("Cuộc họp kết thúc lúc %(end)s. Biên bản gồm các nội dung trên.")
        % {"end": _hm_date(end)}
    )

    approved = (
        _("(Đã phê duyệt %(when)s)")
        % {"when": f"{_local(minutes.approved_at):%H:%M %d/%m/%Y}"}
        if minutes.approved_at
        else ""
    )
    number = minutes.number.strip()
    return {
        "issuer": issuer_lines(meeting),
        "number": _("Số: %(n)s") % {"n": number}
        if number
        else _("Số:      /BB-%(abbr)s") % {"abbr": _abbr(meeting)},
        "national_heading": True,
        "place_date": f"{_place_name(meeting)}, "
        f"{_long_date(timezone.localtime(start).date())}",
        "title": _("BIÊN BẢN") if minutes.approved_at else _("BIÊN BẢN (DỰ THẢO)"),
        "subtitle": meeting.title,
        "blocks": blocks,
        "signatures": [
            {
                "title": _("THƯ KÝ"),
                "name": str(secretary.user) if secretary else "",
                "note": "",
            },
            {
                "title": _("CHỦ TỌA"),
                "name": str(chair.user) if chair else "",
                "note": approved,
            },
        ],
    }


def _person(p) -> str:
    name = str(p.user)
    if p.substitute_for_id:
        name += " " + _("(dự thay %(name)s)") % {"name": p.substitute_for.user}
    return name


def _speech(s: SpeakerRecord) -> str:
    if s.started_at and s.ended_at:
        return f"{s.name} ({_local(s.started_at):%H:%M}–{_local(s.ended_at):%H:%M})"
    return s.name


def _vote_text(vote: VoteRecord) -> str:
    counts = ", ".join(f"{label}: {n}" for label, n in vote.counts)
    kind = _("bỏ phiếu kín") if vote.secret else _("biểu quyết công khai")
    verdict = ""
    if vote.passed is not None:
        verdict = " " + (
            _("Kết quả: thông qua.") if vote.passed else _("Kết quả: không thông qua.")
        )
    if vote.tie_text:
        verdict = f" {vote.tie_text}{verdict}"
    text = _(
        "Biểu quyết (%(kind)s) về “%(question)s”: %(cast)s/%(members)s thành viên "
        "tham gia; %(counts)s.%(verdict)s"
    ) % {
        "kind": kind,
        "question": vote.question,
        "cast": vote.cast,
        "members": vote.members,
        "counts": counts,
        "verdict": verdict,
    }
    if vote.present is not None:
        text += " " + _(
            "Khi mở biểu quyết có mặt %(present)s/%(members)s thành viên (cần "
            "%(quorum)s); số phiếu tán thành cần có: %(required)s."
        ) % {
            "present": vote.present,
            "members": vote.members,
            "quorum": vote.quorum,
            "required": vote.required,
        }
    for label, names in vote.names.items():
        if names:
            text += f" {label}: {', '.join(names)}."
    return text


def render_pdf(spec: dict) -> bytes:
    """Lay out ``spec`` in the PDF worker pool and return the PDF bytes."""
    from documents import pdf

    with tempfile.TemporaryDirectory(prefix="nghisu-minutes-") as tmp:
        path = os.path.join(tmp, "minutes.pdf")
        pdf.build_record(path, spec)
        with open(path, "rb") as fh:
            return fh.read()
