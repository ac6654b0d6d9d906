"""Reports to the session: the questions and answers, and the summary of
voters' petitions, each as a PDF in the national format (the record layout of
:mod:`documents.pdf.record`, Noto Sans, laid out in the sandboxed PDF pool) and
as an Excel sheet with the same rows."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from oversight.models import Outcome, Petition, PetitionStatus, Question
from work.reports import _long_date, _place, issuer_lines, render_pdf


def _when(value) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""


def _mmss(start, end) -> str:
    if not start or not end:
        return ""
    seconds = max(0, int((end - start).total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _how(q: Question) -> str:
    if q.outcome == Outcome.HALL:
        return _("Tại kỳ họp, %(when)s") % {"when": _when(q.answered_at)}
    if q.outcome == Outcome.WRITTEN:
        late = q.answer_due and timezone.localtime(q.answered_at).date() > q.answer_due
        text = _("Bằng văn bản, %(when)s") % {"when": _when(q.answered_at)}
        return text + (" " + _("(quá hạn)") if late else "")
    if q.outcome == Outcome.WRITTEN_DUE:
        due = q.answer_due.strftime("%d/%m/%Y") if q.answer_due else ""
        state = _("quá hạn") if q.is_overdue else _("chưa trả lời")
        return _("Bằng văn bản, hạn %(due)s: %(state)s") % {"due": due, "state": state}
    return str(Outcome(q.outcome).label)


QUESTION_HEADERS = [
    gettext_noop("STT"),
    gettext_noop("Đại biểu chất vấn"),
    gettext_noop("Nhóm vấn đề"),
    gettext_noop("Nội dung câu hỏi"),
    gettext_noop("Người (cơ quan) trả lời"),
    gettext_noop("Hình thức, thời điểm trả lời"),
    gettext_noop("Thời gian hỏi"),
    gettext_noop("Thời gian trả lời"),
]


def question_rows(questions: list[Question]) -> list[list[str]]:
    rows = []
    for n, q in enumerate((q for q in questions if not q.merged_into_id), start=1):
        who = f"{q.official.user}, {q.agency.name}" if q.official_id else q.agency.name
        rows.append(
            [
                str(n),
                str(q.asker),
                q.topic,
                q.text,
                who,
                _how(q),
                _mmss(q.asked_at, q.answer_started_at),
                _mmss(q.answer_started_at, q.followup_started_at or q.finished_at),
            ]
        )
    return rows


def _spec(body, *, title: str, subtitle: str, blocks: list, signer: str) -> dict:
    return {
        "issuer": issuer_lines(body),
        "number": _("Số:      /BC-HĐND"),
        "national_heading": True,
        "place_date": f"{_place(body)}, {_long_date(timezone.localtime())}",
        "title": title,
        "subtitle": subtitle,
        "blocks": blocks,
        "signatures": [
            {"title": _("TM. THƯỜNG TRỰC HĐND"), "name": signer, "note": ""}
        ],
    }


def questions_spec(meeting, questions: list[Question], *, signer: str) -> dict:
    rows = question_rows(questions)
    counts = {o: 0 for o in Outcome.values}
    for q in questions:
        counts[q.outcome] += 1
    summary = _(
        "Tổng số câu hỏi: %(total)s; trả lời tại kỳ họp: %(hall)s; đã trả lời bằng "
        "văn bản: %(written)s; đang chờ trả lời bằng văn bản: %(due)s; gộp với câu "
        "hỏi khác: %(merged)s."
    ) % {
        "total": len(questions),
        "hall": counts[Outcome.HALL],
        "written": counts[Outcome.WRITTEN],
        "due": counts[Outcome.WRITTEN_DUE],
        "merged": counts[Outcome.MERGED],
    }
    blocks = [
        {"kind": "heading", "text": _("I. TỔNG HỢP")},
        {"kind": "paragraph", "text": summary},
        {"kind": "heading", "text": _("II. CÂU HỎI VÀ TRẢ LỜI CHẤT VẤN")},
        {
            "kind": "table",
            "columns": [_(h) for h in QUESTION_HEADERS],
            "widths": [0.6, 1.8, 1.5, 3.4, 2.0, 2.0, 0.9, 0.9],
            "rows": rows or [["", "", "", _("Không có câu hỏi."), "", "", "", ""]],
        },
    ]
    return _spec(
        meeting.body,
        title=_("BÁO CÁO KẾT QUẢ CHẤT VẤN VÀ TRẢ LỜI CHẤT VẤN"),
        subtitle=_("Tại %(meeting)s") % {"meeting": meeting.title},
        blocks=blocks,
        signer=signer,
    )


PETITION_HEADERS = [
    gettext_noop("STT"),
    gettext_noop("Nội dung kiến nghị"),
    gettext_noop("Lĩnh vực"),
    gettext_noop("Nơi, ngày tiếp xúc cử tri"),
    gettext_noop("Cơ quan trả lời"),
    gettext_noop("Trạng thái"),
    gettext_noop("Nội dung trả lời"),
]


def petition_rows(petitions: list[Petition]) -> list[list[str]]:
    labels = dict(PetitionStatus.choices)
    rows = []
    for p in petitions:
        places = "; ".join(
            f"{pl.place}" + (f" ({pl.held_on:%d/%m/%Y})" if pl.held_on else "")
            for pl in p.places.all()
        )
        rows.append(
            [
                str(p.number),
                p.text,
                p.field,
                places,
                p.agency.name if p.agency_id else "",
                str(labels[p.status]),
                p.answer_text,
            ]
        )
    return rows


def petitions_spec(period, petitions: list[Petition], *, signer: str) -> dict:
    labels = dict(PetitionStatus.choices)
    counts = {s: 0 for s in PetitionStatus.values}
    for p in petitions:
        counts[p.status] += 1
    blocks = [
        {"kind": "heading", "text": _("I. TỔNG HỢP")},
        {
            "kind": "table",
            "columns": [_("Trạng thái"), _("Số kiến nghị")],
            "widths": [5, 2],
            "rows": [[str(labels[s]), str(counts[s])] for s in PetitionStatus.values]
            + [[_("Tổng cộng"), str(len(petitions))]],
        },
        {"kind": "heading", "text": _("II. KIẾN NGHỊ VÀ KẾT QUẢ TRẢ LỜI")},
        {
            "kind": "table",
            "columns": [_(h) for h in PETITION_HEADERS],
            "widths": [0.6, 3.2, 1.2, 2.0, 1.6, 1.1, 3.0],
            "rows": petition_rows(petitions)
            or [["", _("Không có kiến nghị."), "", "", "", "", ""]],
        },
    ]
    return _spec(
        period.body,
        title=_("BÁO CÁO TỔNG HỢP KIẾN NGHỊ CỬ TRI VÀ KẾT QUẢ GIẢI QUYẾT"),
        subtitle=period.name,
        blocks=blocks,
        signer=signer,
    )


def pdf(spec: dict) -> bytes:
    """Lay out the spec in the PDF pool (unsigned: a working report)."""
    return render_pdf(spec)


def xlsx(title: str, headers: list[str], rows: list[list[str]]) -> bytes:
    """One sheet: a title row, the export time, the headers, the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(
        [
            _("Xuất lúc %(when)s")
            % {"when": timezone.localtime().strftime("%H:%M %d/%m/%Y")}
        ]
    )
    ws.append([_(h) for h in headers])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 8 if i == 1 else 30
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
