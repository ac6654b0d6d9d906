"""The consultation summary report (phiếu tổng hợp ý kiến) as a PDF.

:func:`build_spec` freezes the content when the consultation closes (a
``documents.pdf.record`` spec: national heading, issuer, title, the question,
the counts, the decision by the body's rule, and every member's answer with
their comment). :func:`build_report` lays it out in the sandboxed PDF pool and
stores the file with its SHA-256; it is idempotent, and runs in the task
worker (``work.tasks.build_report_task``) or, for any report still missing, in
the scheduler.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import BodyKind, Position
from work.models import Consultation, ConsultationRecipient

logger = logging.getLogger(__name__)


def issuer_lines(body) -> list[str]:
    """The issuing body at the top left ("ỦY BAN NHÂN DÂN" / "TỈNH SƠN LA")."""
    unit = body.unit.name.upper()
    if body.kind == BodyKind.HDND:
        return ["HỘI ĐỒNG NHÂN DÂN", unit]
    if body.kind == BodyKind.UBND:
        return ["ỦY BAN NHÂN DÂN", unit]
    return [f"HĐND {unit}", (body.short_name or body.name).upper()]


def _place(body) -> str:
    unit = body.unit
    level = getattr(unit, "level", None)
    prefix = f"{level.name} " if level else ""
    return (
        unit.name[len(prefix) :]
        if prefix and unit.name.startswith(prefix)
        else unit.name
    )


def _long_date(value) -> str:
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""


def _pct(n: int, of: int) -> str:
    return f"{n * 100 / of:.1f}%".replace(".", ",") if of else "—"


def verdict_text(result: dict) -> str:
    """One sentence stating the decision and why."""
    if not result:
        return ""
    agree, members = result["counts"]["agree"], result["members"]
    if result.get("tie"):
        return rules.tie_explanation(
            result.get("tie_break"),
            in_favour=agree,
            against=result["counts"]["disagree"],
        ).replace("tán thành", "đồng ý")
    if result["passed"]:
        text = _(
            "Số thành viên đồng ý (%(agree)s/%(members)s) quá một nửa tổng số thành "
            "viên: vấn đề được thông qua."
        )
    else:
        text = _(
            "Số thành viên đồng ý (%(agree)s/%(members)s) chưa quá một nửa tổng số "
            "thành viên (cần ít nhất %(required)s): vấn đề không được thông qua."
        )
    return text % {"agree": agree, "members": members, "required": result["required"]}


def build_spec(
    consultation: Consultation, rows: list[ConsultationRecipient], result: dict
) -> dict:
    """The report's content as a ``documents.pdf.record`` spec (NFC strings)."""
    body = consultation.body
    closed = consultation.closed_at or timezone.now()
    counts = result["counts"]
    members = result["members"]
    chair_title = _("CHỦ TỊCH") if body.kind == BodyKind.UBND else _("CHỦ TỌA")
    chair = next((r for r in rows if r.position == Position.CHAIR), None)
    blocks: list[dict] = []

    def heading(text: str) -> None:
        blocks.append({"kind": "heading", "text": text})

    def para(text: str) -> None:
        if text and text.strip():
            blocks.append({"kind": "paragraph", "text": text})

    heading(_("I. NỘI DUNG XIN Ý KIẾN"))
    para(consultation.question)
    para(
        _("Người gửi: %(who)s. Gửi lúc %(sent)s; hạn trả lời %(deadline)s.")
        % {
            "who": consultation.created_by,
            "sent": _when(consultation.created_at),
            "deadline": _when(consultation.deadline),
        }
    )
    titles = [d.title for d in consultation.documents.all()]
    if titles:
        para(_("Tài liệu kèm theo: %(titles)s.") % {"titles": "; ".join(titles)})
    if consultation.closed_by_id and closed < consultation.deadline:
        para(
            _("Kết thúc sớm lúc %(when)s bởi %(who)s.")
            % {"when": _when(closed), "who": consultation.closed_by}
        )
    else:
        para(_("Kết thúc lúc %(when)s (hết hạn trả lời).") % {"when": _when(closed)})

    heading(_("II. KẾT QUẢ TỔNG HỢP"))
    para(
        _(
            "Tổng số thành viên của %(body)s: %(members)s. Số thành viên được xin ý "
            "kiến: %(asked)s. Số thành viên đã trả lời: %(answered)s/%(asked)s."
        )
        % {
            "body": body.name,
            "members": members,
            "asked": result["recipients"],
            "answered": result["answered"],
        }
    )
    blocks.append(
        {
            "kind": "table",
            "columns": [
                _("Ý kiến"),
                _("Số thành viên"),
                _("Tỷ lệ trên tổng số thành viên"),
            ],
            "widths": [4, 2.5, 3.5],
            "rows": [
                [_("Đồng ý"), str(counts["agree"]), _pct(counts["agree"], members)],
                [
                    _("Không đồng ý"),
                    str(counts["disagree"]),
                    _pct(counts["disagree"], members),
                ],
                [
                    _("Ý kiến khác"),
                    str(counts["other"]),
                    _pct(counts["other"], members),
                ],
                [
                    _("Không trả lời"),
                    str(counts["none"]),
                    _pct(counts["none"], members),
                ],
            ],
        }
    )
    para(_("Kết quả: %(verdict)s") % {"verdict": verdict_text(result)})

    heading(_("III. Ý KIẾN CỦA TỪNG THÀNH VIÊN"))
    labels = {
        "agree": _("Đồng ý"),
        "disagree": _("Không đồng ý"),
        "other": _("Ý kiến khác"),
        "": _("Không trả lời"),
    }
    positions = dict(Position.choices)
    blocks.append(
        {
            "kind": "table",
            "columns": [
                _("STT"),
                _("Họ và tên"),
                _("Chức vụ"),
                _("Ý kiến"),
                _("Nội dung ý kiến"),
                _("Thời điểm"),
            ],
            "widths": [0.7, 2.6, 1.6, 1.6, 3.6, 1.7],
            "rows": [
                [
                    str(n),
                    str(r.user),
                    str(positions.get(r.position, "")),
                    labels[r.opinion],
                    r.comment,
                    _when(r.answered_at),
                ]
                for n, r in enumerate(rows, start=1)
            ],
        }
    )
    abbr = "UBND" if body.kind == BodyKind.UBND else "HĐND"
    return {
        "issuer": issuer_lines(body),
        "number": _("Số:      /PTH-%(abbr)s") % {"abbr": abbr},
        "national_heading": True,
        "place_date": f"{_place(body)}, {_long_date(timezone.localtime(closed))}",
        "title": _("PHIẾU TỔNG HỢP Ý KIẾN THÀNH VIÊN"),
        "subtitle": _("Về việc: %(title)s") % {"title": consultation.title},
        "blocks": blocks,
        "signatures": [
            {
                "title": _("NGƯỜI TỔNG HỢP"),
                "name": str(consultation.created_by),
                "note": "",
            },
            {
                "title": chair_title,
                "name": str(chair.user) if chair else "",
                "note": "",
            },
        ],
    }


def render_pdf(spec: dict) -> bytes:
    """Lay out ``spec`` in the PDF worker pool and return the PDF bytes."""
    from documents import pdf

    with tempfile.TemporaryDirectory(prefix="nghisu-report-") as tmp:
        path = os.path.join(tmp, "report.pdf")
        pdf.build_record(path, spec)
        with open(path, "rb") as fh:
            return fh.read()


def build_report(consultation_id: int) -> str:
    """Build and store the report of a closed consultation; return its SHA-256.

    Idempotent: a report already stored is kept. The PDF is laid out before
    the row is locked; storing happens under the lock, so two builders store
    one file. Raises ``documents.pdf.PdfError`` when the pool or the signing
    fails.
    """
    from documents import signing

    consultation = Consultation.objects.select_related("body").get(pk=consultation_id)
    if consultation.report_sha256 or not consultation.report_spec:
        return consultation.report_sha256
    # Signed with the body's certificate when one is configured.
    data = signing.sign_record(
        consultation.report_spec,
        body=consultation.body,
        actor=None,
        obj=consultation,
        reason=_("Tổng hợp ý kiến"),
    )
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation_id)
        if locked.report_sha256:
            return locked.report_sha256
        locked.report_pdf.save(
            f"phieu-tong-hop-{digest[:12]}.pdf", ContentFile(data), save=False
        )
        locked.report_sha256 = digest
        locked.save(update_fields=["report_pdf", "report_sha256"])
    logger.info("consultation %s: report built (%d bytes)", consultation_id, len(data))
    return digest
