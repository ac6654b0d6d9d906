"""Permission-checked reads of documents, shared by views, meetings and search.

Access rule: a user may act on a document with ``perm`` when the permission is
granted to them directly or to one of their groups (guardian's direct foreign-key
tables), or, for viewing and downloading, when the document is public. Superusers
get no bypass: an administrator reads a confidential document only when granted.
Everything the user may not view answers 404 and never reveals existence.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from documents.models import (
    DOCUMENT_PERMS,
    Classification,
    Document,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    DocumentVersion,
)
from nghisu.errors import NotFound

#: Permissions that classification "public" gives every signed-in user.
PUBLIC_PERMS = frozenset({"view_document", "download_document"})


def _granted_q(user, perm: str, *, prefix: str = "") -> Q:
    """Q over documents on which ``user`` holds ``perm`` through a grant."""
    direct = DocumentUserObjectPermission.objects.filter(
        content_object=OuterRef(f"{prefix}pk"), user=user, permission__codename=perm
    )
    via_group = DocumentGroupObjectPermission.objects.filter(
        content_object=OuterRef(f"{prefix}pk"),
        group__user=user,
        permission__codename=perm,
    )
    q = Q(Exists(direct)) | Q(Exists(via_group))
    if perm in PUBLIC_PERMS:
        q |= Q(**{f"{prefix}classification": Classification.PUBLIC})
    return q


def documents_with_perm(user, perm: str = "view_document") -> QuerySet[Document]:
    """Documents on which ``user`` holds ``perm`` (one query when evaluated)."""
    if perm not in DOCUMENT_PERMS:
        raise ValueError(f"unknown document permission {perm!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return Document.objects.none()
    return Document.objects.filter(_granted_q(user, perm))


def viewable_documents(user) -> QuerySet[Document]:
    """Documents ``user`` may view, with body and latest version joined."""
    return documents_with_perm(user, "view_document").select_related(
        "body", "latest_version"
    )


def access_document(
    user, document_id: int | str, *, perm: str = "view_document"
) -> Document:
    """Return the document if ``user`` holds ``perm`` on it, else raise NotFound."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    document = documents_with_perm(user, perm).select_related(
        "body", "latest_version", "created_by"
    )
    found = document.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def perms_for(user, document: Document) -> set[str]:
    """Return every document permission ``user`` holds on ``document`` (1 query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    direct = DocumentUserObjectPermission.objects.filter(
        content_object=document, user=user
    ).values_list("permission__codename", flat=True)
    via_group = DocumentGroupObjectPermission.objects.filter(
        content_object=document, group__user=user
    ).values_list("permission__codename", flat=True)
    perms = set(direct.union(via_group))
    if document.classification == Classification.PUBLIC:
        perms |= PUBLIC_PERMS
    return perms


def users_who_can(document: Document, perm: str, among) -> set[int]:
    """The ids in ``among`` of active users holding ``perm`` on ``document``.

    The same rule as :func:`perms_for`, for many users at once (one query):
    what a realtime event may carry to whom.
    """
    from accounts.models import User

    if perm not in DOCUMENT_PERMS:
        raise ValueError(f"unknown document permission {perm!r}")
    users = User.objects.filter(pk__in=set(among), is_active=True)
    if not (perm in PUBLIC_PERMS and document.classification == Classification.PUBLIC):
        direct = DocumentUserObjectPermission.objects.filter(
            content_object=document, user=OuterRef("pk"), permission__codename=perm
        )
        via_group = DocumentGroupObjectPermission.objects.filter(
            content_object=document,
            group__user=OuterRef("pk"),
            permission__codename=perm,
        )
        users = users.filter(Q(Exists(direct)) | Q(Exists(via_group)))
    return set(users.values_list("pk", flat=True))


def user_can(user, document: Document, perm: str) -> bool:
    """Return whether ``user`` holds ``perm`` on ``document``."""
    if perm not in DOCUMENT_PERMS:
        raise ValueError(f"unknown document permission {perm!r}")
    return perm in perms_for(user, document)


def access_version(document: Document, number: int | str) -> DocumentVersion:
    """Return version ``number`` (from 1) of an accessible document, or NotFound."""
    try:
        n = int(number)
    except (TypeError, ValueError):
        raise NotFound() from None
    if document.latest_version and document.latest_version.number == n:
        return document.latest_version
    version = DocumentVersion.objects.filter(document=document, number=n).first()
    if version is None:
        raise NotFound()
    return version


def versions_of(document: Document) -> list[DocumentVersion]:
    """All versions, newest first, with their uploaders (1 query)."""
    return list(
        DocumentVersion.objects.filter(document=document)
        .select_related("uploaded_by")
        .order_by("-number")
    )


def can_upload_to(user, body) -> bool:
    """Return whether ``user`` may add documents to ``body``.

    The body's secretaries, chair and vice-chairs may; so may staff administrators
    (who then hold grants on what they upload, nothing more).
    """
    from accounts.models import Position
    from accounts.queries import positions_in

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(
        positions_in(user, body)
        & {Position.SECRETARY, Position.CHAIR, Position.VICE_CHAIR}
    )


def bodies_for_upload(user) -> list:
    """Bodies in which ``user`` may upload (1 query)."""
    from accounts.models import Body, Membership, Position

    if user is None or not user.is_authenticated:
        return []
    bodies = Body.objects.select_related("unit")
    if user.is_superuser:
        return list(bodies)
    seats = Membership.objects.current().filter(
        user=user,
        position__in=[Position.SECRETARY, Position.CHAIR, Position.VICE_CHAIR],
    )
    return list(bodies.filter(pk__in=seats.values("body_id")))


class GrantRow:
    """Who holds which permissions on a document: a user or a group."""

    def __init__(self, holder, *, body=None) -> None:
        self.holder = holder
        self.body = body
        self.perms: set[str] = set()
        self.members: list = []

    @property
    def level(self) -> str:
        """The highest named level of the perms held (for the share dialog)."""
        for level, perms in reversed(SHARE_LEVELS):
            if set(perms) <= self.perms:
                return level
        return "view"


#: Named bundles of permissions offered by the share dialog, smallest first.
SHARE_LEVELS = (
    ("view", ("view_document",)),
    ("download", ("view_document", "download_document")),
    ("annotate", ("view_document", "download_document", "annotate_document")),
    ("manage", DOCUMENT_PERMS),
)


def share_list(document: Document) -> tuple[list[GrantRow], list[GrantRow]]:
    """Return (user rows, group rows) of the grants on ``document``: 3 queries.

    Group rows carry the body of a body's members group and the group's active
    members, so the dialog shows who has access through which group.
    """
    from accounts.models import User

    users: dict[int, GrantRow] = {}
    for grant in DocumentUserObjectPermission.objects.filter(
        content_object=document
    ).select_related("user", "permission"):
        row = users.setdefault(grant.user_id, GrantRow(grant.user))
        row.perms.add(grant.permission.codename)
    groups: dict[int, GrantRow] = {}
    for grant in DocumentGroupObjectPermission.objects.filter(
        content_object=document
    ).select_related("group", "group__body", "permission"):
        body = getattr(grant.group, "body", None)
        row = groups.setdefault(grant.group_id, GrantRow(grant.group, body=body))
        row.perms.add(grant.permission.codename)
    if groups:
        members = User.objects.filter(groups__in=groups.keys(), is_active=True)
        for user in members.annotate(via=models.F("groups__id")).order_by("sort_key"):
            groups[user.via].members.append(user)
    user_rows = sorted(
        users.values(), key=lambda r: (r.holder.sort_key, r.holder.username)
    )
    group_rows = sorted(groups.values(), key=lambda r: r.holder.name)
    return user_rows, group_rows
