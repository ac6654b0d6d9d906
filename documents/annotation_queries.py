"""Permission-checked reads of annotations, shared by views, export and actions.

Who sees an annotation: its author always; when shared with a meeting, the
participants of that meeting; when shared with chosen people, those people. In
every case the reader must also be able to view the document (callers resolve
the version through :func:`access_annotatable_version` first). A private
annotation is readable by its author only, through every path; an annotation
the user may not read is a 404 that reveals nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from documents import meeting_scope
from documents.models import (
    Annotation,
    AnnotationVisibility,
    Document,
    DocumentVersion,
    VersionStatus,
)
from documents.queries import access_document, access_version, users_who_can
from nghisu.errors import NotFound


def access_annotatable_version(
    user, document_id: int | str, number: int | str, *, perm: str = "view_document"
) -> tuple[Document, DocumentVersion]:
    """Return (document, version) when ``user`` holds ``perm`` and it is ready."""
    document = access_document(user, document_id, perm=perm)
    version = access_version(document, number)
    if version.status != VersionStatus.READY:
        raise NotFound()
    return document, version


def parse_id(raw: object) -> uuid.UUID:
    """Return ``raw`` as a UUID or raise NotFound (an id nobody could own)."""
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise NotFound() from None


def visible_q(user) -> Q:
    """Q over annotations that ``user`` may read (document view checked apart)."""
    in_meeting = meeting_scope.scope().attends(user)
    chosen = Annotation.shared_with.through.objects.filter(
        annotation_id=OuterRef("pk"), user=user
    )
    return (
        Q(author=user)
        | Q(visibility=AnnotationVisibility.MEETING, meeting__isnull=False)
        & Q(Exists(in_meeting))
        | Q(visibility=AnnotationVisibility.USERS) & Q(Exists(chosen))
    )


def visible_annotations(
    user, version: DocumentVersion, *, page: int | None = None, others: bool = True
) -> QuerySet[Annotation]:
    """Live annotations on ``version`` (and ``page``) that ``user`` may read.

    ``others=False`` keeps the user's own. Authors are joined and the chosen
    people prefetched, so listing costs two queries whatever the count.
    """
    if user is None or not user.is_authenticated:
        return Annotation.objects.none()
    qs = Annotation.objects.filter(version=version, deleted_at__isnull=True)
    if page is not None:
        qs = qs.filter(page=page)
    qs = qs.filter(visible_q(user) if others else Q(author=user))
    return (
        qs.select_related("author")
        .prefetch_related("shared_with")
        .order_by("page", "created_at", "pk")
    )


def access_visible_annotation(
    user, version: DocumentVersion, annotation_id: object
) -> Annotation:
    """Return a live annotation of ``version`` that ``user`` may read, else 404.

    ``version`` must come from :func:`access_annotatable_version`. Someone
    outside its audience gets a 404 that reveals nothing.
    """
    pk = parse_id(annotation_id)
    found = visible_annotations(user, version).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def access_own_annotation(
    user, annotation_id: object, *, for_update: bool = False
) -> Annotation:
    """Return the user's own annotation (deleted or not), else NotFound."""
    pk = parse_id(annotation_id)
    qs = Annotation.objects.select_related("version__document")
    if for_update:
        qs = qs.select_for_update()
    found = qs.filter(pk=pk, author=user).first()
    if found is None:
        raise NotFound()
    return found


def meeting_readers(document: Document, meeting_id: int, *, author_id: int) -> set[int]:
    """Ids of who may read an annotation on ``document`` shared with the
    meeting: its author and the meeting's participants, each of them only if
    they can view the document (two queries). The audience of its room events.
    """
    candidates = meeting_scope.scope().participant_ids(meeting_id)
    candidates.add(author_id)
    return users_who_can(document, "view_document", among=candidates)


def count_on_page(user, version: DocumentVersion, page: int) -> int:
    """Live annotations of ``user`` on one page (for the per-page limit)."""
    return Annotation.objects.filter(
        author=user, version=version, page=page, deleted_at__isnull=True
    ).count()


def serialize(annotation: Annotation, user) -> dict[str, Any]:
    """The JSON the viewer and the room receive for one annotation."""
    mine = annotation.author_id == getattr(user, "pk", None)
    data: dict[str, Any] = {
        "id": str(annotation.pk),
        "page": annotation.page,
        "kind": annotation.kind,
        "color": annotation.color,
        "text": annotation.text,
        "quote": annotation.quoted_text,
        "geometry": annotation.geometry,
        "visibility": annotation.visibility,
        "meeting": annotation.meeting_id,
        "rev": annotation.rev,
        "mine": mine,
        "author": annotation.author.get_full_name() or annotation.author.username,
        "updated": annotation.updated_at.isoformat(),
        "deleted": annotation.deleted_at is not None,
    }
    if mine:
        data["sharedWith"] = [u.pk for u in annotation.shared_with.all()]
    return data


def sharing_meetings(user, document: Document) -> list[dict[str, Any]]:
    """Meetings ``user`` attends that have ``document`` on their agenda (1 query).

    These are the rooms an annotation on the document may be shared with;
    ``live`` marks meetings in progress, whose room gets shared annotations live.
    """
    return meeting_scope.scope().sharing_meetings(user, document)


def my_annotations(user) -> list[dict[str, Any]]:
    """The user's live annotations grouped by document, newest document first.

    Only documents the user may still view. Each group: ``document``,
    ``version`` (number), ``meetings`` (titles of the meetings the user attends
    with the document on the agenda) and ``annotations`` in page order.
    Two queries whatever the count.
    """
    from documents.queries import documents_with_perm

    if user is None or not user.is_authenticated:
        return []
    rows = (
        Annotation.objects.filter(
            author=user,
            deleted_at__isnull=True,
            version__document__in=documents_with_perm(user, "view_document"),
        )
        .select_related("version__document")
        .order_by("-version__document__created_at", "version__number", "page", "pk")
    )
    groups: dict[int, dict[str, Any]] = {}
    for row in rows:
        key = row.version_id
        if key not in groups:
            groups[key] = {
                "document": row.version.document,
                "version": row.version.number,
                "meetings": [],
                "annotations": [],
            }
        groups[key]["annotations"].append(row)
    if groups:
        document_ids = {g["document"].pk for g in groups.values()}
        seen = meeting_scope.scope().meeting_titles(user, document_ids)
        for group in groups.values():
            group["meetings"] = sorted(set(seen.get(group["document"].pk, [])))
    return list(groups.values())


def carry_offers(user, version: DocumentVersion) -> list[dict[str, int]]:
    """Older versions of the document holding live annotations of ``user`` (1 query).

    Offered only on the latest version: ``[{"version": n, "count": k}, ...]``.
    """
    from django.db.models import Count

    document = version.document
    if document.latest_version_id != version.pk:
        return []
    rows = (
        Annotation.objects.filter(
            author=user,
            deleted_at__isnull=True,
            version__document_id=document.pk,
            version__number__lt=version.number,
        )
        .values("version__number")
        .annotate(count=Count("pk"))
        .order_by("-version__number")
    )
    return [{"version": r["version__number"], "count": r["count"]} for r in rows]
