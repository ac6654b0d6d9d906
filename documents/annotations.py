"""Every change to annotations: save (create or edit), delete, undo, export.

A save is idempotent: the client makes the UUID and counts its edits in
``rev``; a save whose ``rev`` is not newer than the stored one changes nothing
and returns the stored annotation, so a replayed offline queue never makes
duplicates nor undoes a later edit. Input is validated completely before
anything is written; a refusal raises :class:`~nghisu.errors.ActionError`
(Vietnamese message) and stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from documents import annotation_queries as aq
from documents import meeting_scope, pdf, storage
from documents.models import (
    Annotation,
    AnnotationKind,
    AnnotationVisibility,
    Document,
    DocumentPage,
    DocumentVersion,
)
from documents.queries import user_can
from nghisu.errors import ActionError, NotFound
from nghisu.publish import Users, publish
from nghisu.text import nfc

logger = logging.getLogger(__name__)

#: Limits (after the client's simplification of strokes).
MAX_STROKE_POINTS = 5_000
MAX_POINTS = 20_000
MAX_STROKES = 200
MAX_QUADS = 1_000
MAX_TEXT = 5_000
MAX_PER_PAGE = 2_000
MAX_SHARED_USERS = 200

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class CleanInput:
    page: int
    kind: str
    color: str
    text: str
    geometry: dict[str, Any]
    visibility: str
    meeting_id: int | None
    shared_with: tuple[int, ...]
    rev: int


def _invalid(message: str, code: str = "invalid") -> ActionError:
    return ActionError(message, code=code)


def _num(value: object) -> float:
    """Return a coordinate in 0..1 or refuse (NaN, inf, strings, out of range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(_("Tọa độ phải là số."), "bad_coordinates")
    v = float(value)
    if not math.isfinite(v):
        raise _invalid(_("Tọa độ không hợp lệ (NaN hoặc vô hạn)."), "bad_coordinates")
    if not 0.0 <= v <= 1.0:
        raise _invalid(_("Tọa độ phải nằm trong trang (từ 0 đến 1)."), "out_of_page")
    return round(v, 5)


def _point(raw: object) -> list[float]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise _invalid(_("Điểm phải có hai tọa độ."), "bad_geometry")
    return [_num(raw[0]), _num(raw[1])]


def _rect(raw: object) -> list[float]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 4:
        raise _invalid(_("Hình chữ nhật phải có bốn tọa độ."), "bad_geometry")
    x0, y0, x1, y1 = (_num(v) for v in raw)
    if x1 <= x0 or y1 <= y0:
        raise _invalid(_("Hình chữ nhật bị rỗng."), "bad_geometry")
    return [x0, y0, x1, y1]


def _positive(raw: object, *, low: float, high: float, message: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _invalid(message, "bad_geometry")
    v = float(raw)
    if not math.isfinite(v) or not low <= v <= high:
        raise _invalid(message, "bad_geometry")
    return round(v, 5)


def clean_geometry(kind: str, raw: object) -> dict[str, Any]:
    """Validate the geometry of ``kind`` and return it normalised (rounded)."""
    if not isinstance(raw, dict):
        raise _invalid(_("Thiếu hình học của ghi chú."), "bad_geometry")
    if kind == AnnotationKind.HIGHLIGHT:
        quads = raw.get("quads")
        if not isinstance(quads, list) or not quads:
            raise _invalid(_("Hãy chọn đoạn chữ cần đánh dấu."), "bad_geometry")
        if len(quads) > MAX_QUADS:
            raise _invalid(_("Đoạn đánh dấu quá dài."), "too_large")
        return {"quads": [_rect(q) for q in quads]}
    if kind == AnnotationKind.INK:
        strokes = raw.get("strokes")
        if not isinstance(strokes, list) or not strokes:
            raise _invalid(_("Nét bút không có điểm nào."), "bad_geometry")
        if len(strokes) > MAX_STROKES:
            raise _invalid(_("Quá nhiều nét bút trong một ghi chú."), "too_large")
        total = 0
        for stroke in strokes:
            if not isinstance(stroke, list) or not stroke:
                raise _invalid(_("Nét bút không có điểm nào."), "bad_geometry")
            if len(stroke) > MAX_STROKE_POINTS:
                raise _invalid(
                    _("Nét bút quá dài (tối đa %(n)s điểm).")
                    % {"n": f"{MAX_STROKE_POINTS:,}".replace(",", ".")},
                    "too_large",
                )
            total += len(stroke)
        if total > MAX_POINTS:
            raise _invalid(_("Ghi chú có quá nhiều điểm."), "too_large")
        width = _positive(
            raw.get("width", 0.003),
            low=0.0005,
            high=0.05,
            message=_("Độ dày nét bút không hợp lệ."),
        )
        return {
            "strokes": [[_point(p) for p in stroke] for stroke in strokes],
            "width": width,
        }
    if kind == AnnotationKind.NOTE:
        return {"point": _point(raw.get("point"))}
    if kind == AnnotationKind.FREETEXT:
        size = _positive(
            raw.get("size", 12),
            low=6,
            high=72,
            message=_("Cỡ chữ phải từ 6 đến 72."),
        )
        return {"rect": _rect(raw.get("rect")), "size": size}
    raise _invalid(_("Loại ghi chú không hợp lệ."), "bad_kind")


def clean_input(data: dict[str, Any], *, page_count: int) -> CleanInput:
    """Validate a raw save request (JSON) against a version of ``page_count``."""
    kind = data.get("kind")
    if kind not in AnnotationKind.values:
        raise _invalid(_("Loại ghi chú không hợp lệ."), "bad_kind")
    page = data.get("page")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise _invalid(_("Số trang không hợp lệ."), "bad_page")
    if page > page_count:
        raise _invalid(
            _("Trang %(page)s không có trong tài liệu (%(n)s trang).")
            % {"page": page, "n": page_count},
            "bad_page",
        )
    color = data.get("color") or "#ffd400"
    if not isinstance(color, str) or not _COLOR.match(color):
        raise _invalid(_("Màu không hợp lệ."), "bad_color")
    text = data.get("text") or ""
    if not isinstance(text, str):
        raise _invalid(_("Nội dung ghi chú không hợp lệ."), "bad_text")
    text = nfc(text).strip()
    if len(text) > MAX_TEXT:
        raise _invalid(_("Nội dung ghi chú quá dài (tối đa 5.000 ký tự)."), "too_large")
    if kind in (AnnotationKind.NOTE, AnnotationKind.FREETEXT) and not text:
        raise _invalid(_("Hãy nhập nội dung ghi chú."), "bad_text")
    geometry = clean_geometry(kind, data.get("geometry"))
    visibility = data.get("visibility") or AnnotationVisibility.PRIVATE
    if visibility not in AnnotationVisibility.values:
        raise _invalid(_("Phạm vi chia sẻ không hợp lệ."), "bad_visibility")
    meeting_id = None
    shared: tuple[int, ...] = ()
    if visibility == AnnotationVisibility.MEETING:
        meeting_id = data.get("meeting")
        if isinstance(meeting_id, bool) or not isinstance(meeting_id, int):
            raise _invalid(_("Hãy chọn cuộc họp để chia sẻ."), "bad_visibility")
    elif visibility == AnnotationVisibility.USERS:
        raw_users = data.get("sharedWith")
        if (
            not isinstance(raw_users, list)
            or not raw_users
            or not all(
                isinstance(u, int) and not isinstance(u, bool) for u in raw_users
            )
        ):
            raise _invalid(_("Hãy chọn người để chia sẻ."), "bad_visibility")
        if len(raw_users) > MAX_SHARED_USERS:
            raise _invalid(_("Chia sẻ với quá nhiều người."), "too_large")
        shared = tuple(sorted(set(raw_users)))
    rev = data.get("rev", 1)
    if isinstance(rev, bool) or not isinstance(rev, int) or not 1 <= rev < 2**31:
        raise _invalid(_("Số hiệu bản sửa không hợp lệ."), "bad_rev")
    return CleanInput(
        page=page,
        kind=kind,
        color=color.lower(),
        text=text,
        geometry=geometry,
        visibility=visibility,
        meeting_id=meeting_id,
        shared_with=shared,
        rev=rev,
    )


def _check_audience(user, version: DocumentVersion, clean: CleanInput) -> list:
    """Check the meeting or people an annotation is shared with; return users.

    A meeting must be one the user attends (published, not a draft) and have
    the document on its agenda (so its participants were given the document).
    """
    from accounts.models import User

    if clean.visibility == AnnotationVisibility.MEETING:
        refusal = meeting_scope.scope().share_refusal(
            user, clean.meeting_id, version.document_id
        )
        if refusal == "not_attending":
            raise _invalid(
                _("Bạn chỉ chia sẻ được với cuộc họp mà bạn tham dự."), "bad_visibility"
            )
        if refusal == "not_on_agenda":
            raise _invalid(
                _("Tài liệu này không có trong chương trình của cuộc họp đã chọn."),
                "bad_visibility",
            )
    if clean.visibility == AnnotationVisibility.USERS:
        users = list(User.objects.filter(pk__in=clean.shared_with, is_active=True))
        if len(users) != len(clean.shared_with):
            raise _invalid(_("Có người được chọn không tồn tại."), "bad_visibility")
        return users
    return []


def quoted_words(version: DocumentVersion, page: int, quads: Iterable) -> str:
    """The words of ``page`` whose centre lies inside one of ``quads``."""
    words = (
        DocumentPage.objects.filter(version=version, number=page)
        .values_list("words", flat=True)
        .first()
    ) or []
    quads = list(quads)
    picked = []
    for x0, y0, x1, y1, word in words:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if any(q[0] <= cx <= q[2] and q[1] <= cy <= q[3] for q in quads):
            picked.append(word)
    return " ".join(picked)


def _require_annotate(user, document: Document) -> None:
    if not user_can(user, document, "annotate_document"):
        raise ActionError(
            _("Bạn không có quyền ghi chú trên tài liệu này."), code="forbidden"
        )


def save_annotation(
    user,
    version: DocumentVersion,
    annotation_id: object,
    data: dict[str, Any],
) -> tuple[Annotation, bool]:
    """Create or edit the user's annotation ``annotation_id`` on ``version``.

    ``version`` must come from :func:`access_annotatable_version` (the user can
    view it). Return ``(annotation, changed)``. A replay (the stored ``rev``
    with the same content) returns the stored row with ``changed=False``; an
    edit made from an older revision (a lower ``rev``, or the stored one with
    other content) is refused with code ``stale`` and changes nothing. An id
    that belongs to someone else, or to another version, is a 404. Locks the
    row being edited. No audit (annotations are the user's own notes); a
    shared annotation's room gets a content-free hint (:func:`publish_change`).
    """
    pk = aq.parse_id(annotation_id)
    _require_annotate(user, version.document)
    clean = clean_input(data, page_count=version.page_count)
    try:
        with transaction.atomic():
            existing = Annotation.objects.select_for_update().filter(pk=pk).first()
            if existing is not None:
                if existing.author_id != user.pk or existing.version_id != version.pk:
                    raise NotFound()
                if clean.rev == existing.rev and _same_content(existing, clean):
                    return existing, False
                if clean.rev <= existing.rev:
                    raise _invalid(
                        _(
                            "Ghi chú này đã được sửa ở nơi khác (bản sửa %(rev)s); "
                            "hãy tải lại trang để xem bản mới nhất."
                        )
                        % {"rev": existing.rev},
                        "stale",
                    )
            before = _room_of(existing)
            users = _check_audience(user, version, clean)
            if existing is None or existing.page != clean.page:
                limit_count = aq.count_on_page(user, version, clean.page)
                if limit_count >= MAX_PER_PAGE:
                    raise _invalid(
                        _("Trang này đã có quá nhiều ghi chú của bạn (tối đa 2.000)."),
                        "too_many",
                    )
            quote = ""
            if clean.kind == AnnotationKind.HIGHLIGHT:
                quote = quoted_words(version, clean.page, clean.geometry["quads"])
            now = timezone.now()
            row = existing or Annotation(
                pk=pk, author=user, version=version, created_at=now
            )
            row.page = clean.page
            row.kind = clean.kind
            row.color = clean.color
            row.text = clean.text
            row.quoted_text = quote
            row.geometry = clean.geometry
            row.visibility = clean.visibility
            row.meeting_id = clean.meeting_id
            row.rev = clean.rev
            row.updated_at = now
            row.save(force_insert=existing is None)
            if existing is not None or users:
                row.shared_with.set(users)
            publish_change(row, before_meeting_id=before)
    except IntegrityError:
        # Two copies of the same first save raced; the other one won.
        row = Annotation.objects.filter(pk=pk, author=user, version=version).first()
        if row is None:
            raise NotFound() from None
        return row, False
    return row, True


def _same_content(row: Annotation, clean: CleanInput) -> bool:
    """Whether ``clean`` says what ``row`` holds (a replayed save)."""
    same = (
        row.page == clean.page
        and row.kind == clean.kind
        and row.color == clean.color
        and row.text == clean.text
        and row.geometry == clean.geometry
        and row.visibility == clean.visibility
        and row.meeting_id == clean.meeting_id
    )
    if same and clean.visibility == AnnotationVisibility.USERS:
        shared = sorted(row.shared_with.values_list("pk", flat=True))
        same = tuple(shared) == clean.shared_with
    return same


def _room_of(row: Annotation | None) -> int | None:
    """The meeting whose room currently sees ``row`` (None when nobody does)."""
    if (
        row is None
        or row.deleted_at is not None
        or row.visibility != AnnotationVisibility.MEETING
    ):
        return None
    return row.meeting_id


def publish_change(row: Annotation, *, before_meeting_id: int | None) -> None:
    """Tell the readers of a shared annotation in its meeting's room that it
    changed, after commit.

    A room holds people who may not read the annotation (the body's chairs and
    secretaries who do not attend, participants whose grant on the document was
    withdrawn), so nothing goes to the room as a whole: ``annotation.changed``
    with the annotation itself goes only to the sockets, in that room, of its
    readers (:func:`annotation_queries.meeting_readers`: the participants and
    the author who can view the document), serialised once for the others and
    once for the author (``mine``, ``sharedWith``). These frames are seq-less; a
    tablet that reconnects reloads the annotations of the page it shows. When
    one stops being visible to a room (deleted, made private or moved to another
    meeting), that room's readers get ``annotation.removed`` with the id only.
    Private annotations never produce an event.
    """
    document = row.version.document
    where = {"document": document.pk, "version": row.version.number}
    now = _room_of(row)
    if now is not None:
        readers = aq.meeting_readers(document, now, author_id=row.author_id)
        others = sorted(readers - {row.author_id})
        if others:
            _to_readers(
                now,
                others,
                {
                    "type": "annotation.changed",
                    **where,
                    "annotation": aq.serialize(row, None),
                },
            )
        if row.author_id in readers:  # the author's other tablets
            _to_readers(
                now,
                row.author_id,
                {
                    "type": "annotation.changed",
                    **where,
                    "annotation": aq.serialize(row, row.author),
                },
            )
    if before_meeting_id is not None and before_meeting_id != now:
        readers = aq.meeting_readers(
            document, before_meeting_id, author_id=row.author_id
        )
        if readers:
            _to_readers(
                before_meeting_id,
                sorted(readers),
                {"type": "annotation.removed", **where, "id": str(row.pk)},
            )


def _set_deleted(
    user, annotation_id: object, *, deleted: bool, version: DocumentVersion | None
) -> Annotation:
    with transaction.atomic():
        row = aq.access_own_annotation(user, annotation_id, for_update=True)
        if version is not None and row.version_id != version.pk:
            raise NotFound()
        _require_annotate(user, row.version.document)
        if (row.deleted_at is not None) != deleted:
            before = _room_of(row)
            row.deleted_at = timezone.now() if deleted else None
            row.updated_at = timezone.now()
            row.save(update_fields=["deleted_at", "updated_at"])
            publish_change(row, before_meeting_id=before)
    return row


def delete_annotation(
    user, annotation_id: object, *, version: DocumentVersion | None = None
) -> Annotation:
    """Soft-delete the user's annotation (again: harmless). 404 if not theirs.

    With ``version``, an annotation of another version is a 404 too.
    """
    return _set_deleted(user, annotation_id, deleted=True, version=version)


def restore_annotation(
    user, annotation_id: object, *, version: DocumentVersion | None = None
) -> Annotation:
    """Undo a delete of the user's annotation (again: harmless)."""
    return _set_deleted(user, annotation_id, deleted=False, version=version)


# --- carrying to a new version --------------------------------------------------------

#: Namespace of the ids of carried annotations (old id + target version → new id).
CARRY_NAMESPACE = uuid.UUID("5d0c1f3e-8a41-4d8e-9f4e-6a3c1b2d7e90")


def _same_text(a: str | None, b: str | None) -> bool:
    return (
        a is not None and b is not None and " ".join(a.split()) == " ".join(b.split())
    )


def carry_annotations(
    user, source: DocumentVersion, target: DocumentVersion
) -> list[Annotation]:
    """Copy the user's live annotations of ``source`` onto ``target``.

    Only annotations on pages whose text is the same in both versions are
    carried (so what they point at is unchanged); visibility and audience come
    along. The new ids derive from the old id and the target, so carrying again
    copies nothing twice. Return the new annotations. Shared ones are
    published to their meeting's room after commit.
    """
    if source.document_id != target.document_id or source.number >= target.number:
        raise _invalid(
            _("Chỉ mang được ghi chú từ phiên bản cũ sang phiên bản mới hơn.")
        )
    _require_annotate(user, target.document)
    rows = list(
        Annotation.objects.filter(author=user, version=source, deleted_at__isnull=True)
        .select_related("version")
        .prefetch_related("shared_with")
    )
    pages = {r.page for r in rows}

    def texts(version: DocumentVersion) -> dict[int, str]:
        return dict(
            DocumentPage.objects.filter(version=version, number__in=pages).values_list(
                "number", "text"
            )
        )

    old_text, new_text = texts(source), texts(target)
    wanted = {
        uuid.uuid5(CARRY_NAMESPACE, f"{r.pk}:{target.pk}"): r
        for r in rows
        if r.page <= target.page_count
        and _same_text(old_text.get(r.page), new_text.get(r.page))
    }
    now = timezone.now()
    with transaction.atomic():
        done = set(
            Annotation.objects.filter(pk__in=wanted).values_list("pk", flat=True)
        )
        fresh = [
            Annotation(
                pk=pk,
                author=user,
                version=target,
                page=r.page,
                kind=r.kind,
                color=r.color,
                text=r.text,
                quoted_text=r.quoted_text,
                geometry=r.geometry,
                visibility=r.visibility,
                meeting_id=r.meeting_id,
                created_at=now,
                updated_at=now,
            )
            for pk, r in wanted.items()
            if pk not in done
        ]
        for page in {a.page for a in fresh}:
            adding = sum(1 for a in fresh if a.page == page)
            if aq.count_on_page(user, target, page) + adding > MAX_PER_PAGE:
                raise _invalid(
                    _("Trang này đã có quá nhiều ghi chú của bạn (tối đa 2.000)."),
                    "too_many",
                )
        Annotation.objects.bulk_create(fresh)
        through = Annotation.shared_with.through
        through.objects.bulk_create(
            through(annotation_id=a.pk, user_id=u.pk)
            for a in fresh
            for u in wanted[a.pk].shared_with.all()
        )
        for a in fresh:
            publish_change(a, before_meeting_id=None)
    return fresh


# --- export ---------------------------------------------------------------------------


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


def _to_readers(meeting_id: int, user_ids, event: dict) -> None:
    """A document's readers in one room: ``publish(Users(...), event)``."""
    publish(Users.of(user_ids, meeting_id), event)
