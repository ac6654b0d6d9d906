"""Every change to annotations: save (create or edit), delete, undo, carry.

A save is idempotent: the client makes the UUID and counts its edits in
``rev``; a save whose ``rev`` is not newer than the stored one changes nothing
and returns the stored annotation, so a replayed offline queue never makes
duplicates nor undoes a later edit. Input is validated completely
(:mod:`documents.annotation_rules`) before anything is written; a refusal
raises :class:`~nghisu.errors.ActionError` (Vietnamese message) and stores
nothing. The annotated export is in :mod:`documents.annotation_export`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import annotation_queries as aq
from documents import meeting_scope
from documents.annotation_rules import MAX_PER_PAGE, CleanInput, _invalid, clean_input
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

logger = logging.getLogger(__name__)


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


def _to_readers(meeting_id: int, user_ids, event: dict) -> None:
    """A document's readers in one room: ``publish(Users(...), event)``."""
    publish(Users.of(user_ids, meeting_id), event)
