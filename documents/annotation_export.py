"""The annotated download ("Tải bản có ghi chú"): the clean PDF with the notes.

:func:`export_annotated` checks, builds and audits in one call; the async view
calls its three steps apart (:func:`export_payload_for`, :func:`build_export`,
:func:`record_export`) to build off Django's thread.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from documents import annotation_queries as aq
from documents import pdf, storage
from documents.models import Document, DocumentVersion
from nghisu.errors import ActionError


def _rgb(color: str) -> list[float]:
    return [round(int(color[i : i + 2], 16) / 255, 4) for i in (1, 3, 5)]


#: The columns an export reads; ``geometry_json`` is the stored JSON, as text.
_EXPORT_COLUMNS = (
    "id",
    "rev",
    "updated_at",
    "page",
    "kind",
    "color",
    "text",
    "author__full_name",
    "author__username",
    "geometry_json",
)


def export_payload(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """What the PDF worker needs of each annotation, from ``_EXPORT_COLUMNS`` rows.

    The geometry stays the JSON text the database holds (``geometry_json``):
    :func:`documents.pdf.annotate_pdf` hands it to the worker as one binary
    attachment that the worker parses, so no process walks ~200,000 ink points
    more than once. ``rev`` and ``updated`` key the export cache.
    """
    return [
        {
            "id": str(pk),
            "rev": rev,
            "updated": updated.isoformat(),
            "page": page,
            "kind": kind,
            "color": _rgb(color),
            "text": text,
            "author": full_name or username,
            "geometry_json": geometry,
        }
        for pk, rev, updated, page, kind, color, text, full_name, username, geometry in (
            rows
        )
    ]


def export_payload_for(
    user, document: Document, version: DocumentVersion
) -> list[dict[str, Any]]:
    """Check the export right and return the user's visible annotations.

    The user needs the download or the annotate right (else ActionError
    ``forbidden``). One query for the annotations (only the columns the PDF
    needs, geometry as text), one for the rights.
    """
    from documents.queries import perms_for

    if not perms_for(user, document) & {"download_document", "annotate_document"}:
        raise ActionError(_("Bạn không có quyền tải tài liệu này."), code="forbidden")
    rows = (
        aq.visible_annotations(user, version)
        .prefetch_related(None)
        .annotate(geometry_json=Cast("geometry", output_field=TextField()))
        .values_list(*_EXPORT_COLUMNS)
    )
    return export_payload(rows)


def _export_key(payload: list[dict[str, Any]], watermark: list[str] | None) -> str:
    """Name the export by what it shows, without reading the geometry.

    An annotation's content changes only through a save, which moves its
    ``rev`` and ``updated_at``; the author's name is part of the file too.
    """
    marks = [(a["id"], a["rev"], a["updated"], a["author"]) for a in payload]
    return hashlib.sha256(
        json.dumps([marks, watermark or []], ensure_ascii=False).encode()
    ).hexdigest()[:32]


def build_export(
    user_id: int,
    version: DocumentVersion,
    payload: list[dict[str, Any]],
    *,
    watermark: list[str] | None,
) -> Path:
    """Write (or reuse) the annotated copy; no database access, safe off-thread.

    Cached per user, content, watermark and annotation set (ids, revisions and
    authors: :func:`_export_key`); an older copy of the same user and version is
    removed. Raises :class:`documents.pdf.PdfError`.
    """
    from documents import processing

    clean = processing.clean_copy(version)
    key = _export_key(payload, watermark)
    out_dir = storage.render_dir(version.sha256, viewer_key=f"annotated-{user_id}")
    out = out_dir / f"annotated-{key}.pdf"
    if not out.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("annotated-*.pdf"):
            old.unlink(missing_ok=True)
        tmp = out_dir / f".annotated-{os.getpid()}-{uuid.uuid4().hex}.pdf"
        try:
            pdf.annotate_pdf(clean, tmp, annotations=payload, lines=watermark or None)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return out


def record_export(
    user,
    document: Document,
    version: DocumentVersion,
    *,
    ip: str | None,
    annotations: int,
    watermarked: bool,
) -> None:
    """Audit one export of "Tải bản có ghi chú"."""
    record_audit(
        user,
        "document.export_annotated",
        document,
        ip=ip,
        version=version.number,
        annotations=annotations,
        watermarked=watermarked,
    )


def export_annotated(
    user,
    document: Document,
    version: DocumentVersion,
    *,
    watermark: list[str] | None,
    ip: str | None = None,
) -> Path:
    """Build "Tải bản có ghi chú" in one call (check, build, audit); return its path.

    Confidential documents should pass the viewer's ``watermark``. The async
    view calls the three steps apart to build off Django's thread.
    """
    payload = export_payload_for(user, document, version)
    path = build_export(user.pk, version, payload, watermark=watermark)
    record_export(
        user,
        document,
        version,
        ip=ip,
        annotations=len(payload),
        watermarked=bool(watermark),
    )
    return path
