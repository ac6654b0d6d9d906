"""Every change to documents: uploads, versions, grants, audit of views.

Uploads are checked by their bytes (PDF, JPEG or PNG; size limit) and stored
under their SHA-256 before the transaction; the version row is created pending
and processing is enqueued with ``transaction.on_commit`` (the task then calls
:func:`documents.processing.process_version`). Nothing here opens a PDF: every
PyMuPDF call happens in the sandboxed workers of :mod:`documents.pdf`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from accounts.models import AuditEvent
from documents import pdf, processing, storage
from documents.models import (
    DOCUMENT_PERMS,
    Classification,
    Document,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    DocumentVersion,
)
from documents.queries import can_upload_to, user_can
from nghisu.errors import ActionError
from nghisu.text import nfc

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceivedFile:
    """An upload checked by content and stored under its hash."""

    kind: str
    sha256: str
    size: int
    relative_path: str
    name: str


def _clean_name(name: str | None) -> str:
    base = os.path.basename(nfc(name or "").replace("\\", "/")).strip()
    return (base or "tai-lieu")[:255]


def receive_upload(uploaded_file) -> ReceivedFile:
    """Check an upload by its bytes and store it under its SHA-256.

    Accept PDF, JPEG and PNG by content (never by name) up to
    ``DOCUMENT_MAX_BYTES``; raise ActionError ``empty``, ``too_large`` or
    ``not_supported`` otherwise, leaving nothing stored. Streams in chunks, so a
    200 MB upload never sits in memory.
    """
    name = _clean_name(getattr(uploaded_file, "name", ""))
    limit = settings.DOCUMENT_MAX_BYTES
    tmp_dir = storage.root() / "incoming"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix="up-")
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in uploaded_file.chunks():
                size += len(chunk)
                if size > limit:
                    raise ActionError(
                        _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s.")
                        % {"name": name, "limit": filesizeformat(limit)},
                        code="too_large",
                    )
                if len(head) < pdf.SNIFF_BYTES:
                    head += chunk[: pdf.SNIFF_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ActionError(
                _("Tệp “%(name)s” trống (0 byte). Vui lòng chọn lại tệp.")
                % {"name": name},
                code="empty",
            )
        kind = pdf.sniff(head)
        if kind is None:
            raise ActionError(
                _(
                    "Tệp “%(name)s” không phải PDF, JPEG hay PNG (hệ thống kiểm tra "
                    "nội dung tệp, không dựa vào tên tệp)."
                )
                % {"name": name},
                code="not_supported",
            )
        sha = digest.hexdigest()
        rel = storage.relative_file_path(sha, kind)
        target = storage.absolute(rel)
        if target.exists():
            Path(tmp).unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o640)
            os.replace(tmp, target)
        return ReceivedFile(
            kind=kind, sha256=sha, size=size, relative_path=rel, name=name
        )
    finally:
        Path(tmp).unlink(missing_ok=True)


def _new_version(
    actor, document: Document, received: ReceivedFile, number: int
) -> DocumentVersion:
    is_pdf = received.kind == "pdf"
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        source_kind=received.kind,
        source_sha256=received.sha256,
        source_file=received.relative_path,
        sha256=received.sha256 if is_pdf else "",
        file=received.relative_path if is_pdf else "",
        original_name=received.name,
        size=received.size,
        uploaded_by=actor,
    )
    document.latest_version = version
    document.save(update_fields=["latest_version"])
    transaction.on_commit(lambda: processing.enqueue_processing(version.pk))
    return version


def _title_from(name: str) -> str:
    stem = os.path.splitext(name)[0].replace("_", " ").strip()
    return stem or _("Tài liệu không tên")


def create_document(
    actor,
    *,
    body,
    title: str,
    uploaded_file,
    classification: str = Classification.INTERNAL,
    system: bool = False,
) -> Document:
    """Create a document of ``body`` with version 1 from ``uploaded_file``.

    The actor must be a secretary, chair or vice-chair of ``body`` (or a
    superuser) unless ``system=True`` (a trusted caller that checked its own
    rule: a delegate attaching a file to their question, an official uploading
    an answer); the actor receives every document permission. Processing is
    enqueued on commit. Audited as ``document.create``.
    """
    if not system and not can_upload_to(actor, body):
        raise ActionError(
            _("Bạn không có quyền tải tài liệu lên cho cơ quan này."),
            code="forbidden",
        )
    if classification not in Classification.values:
        raise ActionError(_("Độ mật không hợp lệ."), code="invalid")
    received = receive_upload(uploaded_file)
    title = nfc(title or "").strip() or _title_from(received.name)
    if len(title) > 300:
        raise ActionError(_("Tiêu đề dài quá 300 ký tự."), code="invalid")
    with transaction.atomic():
        document = Document.objects.create(
            title=title, body=body, classification=classification, created_by=actor
        )
        _new_version(actor, document, received, 1)
        _bulk_grant_users(document, [actor], DOCUMENT_PERMS)
        record_audit(
            actor,
            "document.create",
            document,
            title=document.title,
            classification=classification,
            sha256=received.sha256,
        )
    return document


def add_version(actor, document: Document, *, uploaded_file) -> DocumentVersion:
    """Add the next version of ``document``; it supersedes the previous ones.

    Needs ``change_document``. Older versions stay viewable, labelled as such.
    Locks the document row while numbering. Audited as ``document.add_version``.
    """
    if not user_can(actor, document, "change_document"):
        raise ActionError(
            _("Bạn không có quyền cập nhật tài liệu này."), code="forbidden"
        )
    received = receive_upload(uploaded_file)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        last = document.versions.aggregate(n=Max("number"))["n"] or 0
        version = _new_version(actor, document, received, last + 1)
        record_audit(
            actor,
            "document.add_version",
            document,
            version=version.number,
            sha256=received.sha256,
        )
    return version


def update_document(
    actor, document: Document, *, title: str, classification: str
) -> Document:
    """Rename a document or change its classification (needs change_document)."""
    if not user_can(actor, document, "change_document"):
        raise ActionError(
            _("Bạn không có quyền cập nhật tài liệu này."), code="forbidden"
        )
    title = nfc(title).strip()
    if not title or len(title) > 300:
        raise ActionError(_("Tiêu đề phải có từ 1 đến 300 ký tự."), code="invalid")
    if classification not in Classification.values:
        raise ActionError(_("Độ mật không hợp lệ."), code="invalid")
    with transaction.atomic():
        before = {"title": document.title, "classification": document.classification}
        document.title = title
        document.classification = classification
        document.save(update_fields=["title", "classification"])
        record_audit(actor, "document.update", document, before=before)
    return document


def set_offline_copies(actor, document: Document, *, allowed: bool) -> Document:
    """Allow or forbid offline copies of ``document`` (needs share_document).

    Forbidding reaches the tablets at their next contact: the briefcase's check
    (``meetings.offline``) answers that the document may no longer be kept.
    """
    _check_share(actor, document, system=False)
    with transaction.atomic():
        before = document.offline_allowed
        document.offline_copies = bool(allowed)
        document.save(update_fields=["offline_copies"])
        record_audit(
            actor, "document.offline_copies", document, before=before, after=allowed
        )
    return document


# --- permissions --------------------------------------------------------------------


def _permissions(perms: Iterable[str]) -> list[Permission]:
    wanted = set(perms)
    unknown = wanted - set(DOCUMENT_PERMS)
    if unknown:
        raise ActionError(
            _("Quyền không hợp lệ: %(perms)s.") % {"perms": ", ".join(sorted(unknown))},
            code="invalid",
        )
    ct = ContentType.objects.get_for_model(Document)
    return list(Permission.objects.filter(content_type=ct, codename__in=wanted))


def _with_view(perms: Iterable[str]) -> set[str]:
    """Every permission implies viewing: granting download grants view too."""
    return {*perms, "view_document"}


def _bulk_grant_users(document: Document, users, perms: Iterable[str]) -> None:
    DocumentUserObjectPermission.objects.bulk_create(
        [
            DocumentUserObjectPermission(
                user=user, permission=perm, content_object=document
            )
            for user in users
            for perm in _permissions(perms)
        ],
        ignore_conflicts=True,
    )


def _check_share(actor, document: Document, system: bool) -> None:
    if not system and not user_can(actor, document, "share_document"):
        raise ActionError(
            _("Bạn không có quyền chia sẻ tài liệu này."), code="forbidden"
        )


def _audit_detail(users, groups, perms) -> dict:
    return {
        "users": [u.username for u in users],
        "groups": [g.name for g in groups],
        "perms": sorted(perms),
    }


def grant(
    actor,
    document: Document,
    *,
    users: Sequence = (),
    groups: Sequence[Group] = (),
    perms: Sequence[str] = ("view_document",),
    system: bool = False,
) -> None:
    """Grant ``perms`` (plus view) on ``document`` to ``users`` and ``groups``.

    The actor needs ``share_document`` unless ``system=True`` (a trusted caller,
    such as meeting publishing, that checked its own rule). Granting what is
    already held is harmless. One bulk insert per table. Audited as
    ``document.grant``.
    """
    _check_share(actor, document, system)
    users, groups = list(users), list(groups)
    if not users and not groups:
        raise ActionError(_("Hãy chọn người hoặc cơ quan để chia sẻ."), code="invalid")
    wanted = _with_view(perms)
    with transaction.atomic():
        permissions = _permissions(wanted)
        DocumentUserObjectPermission.objects.bulk_create(
            [
                DocumentUserObjectPermission(
                    user=u, permission=p, content_object=document
                )
                for u in users
                for p in permissions
            ],
            ignore_conflicts=True,
        )
        DocumentGroupObjectPermission.objects.bulk_create(
            [
                DocumentGroupObjectPermission(
                    group=g, permission=p, content_object=document
                )
                for g in groups
                for p in permissions
            ],
            ignore_conflicts=True,
        )
        record_audit(
            actor,
            "document.grant",
            document,
            system=system,
            **_audit_detail(users, groups, wanted),
        )


def revoke(
    actor,
    document: Document,
    *,
    users: Sequence = (),
    groups: Sequence[Group] = (),
    perms: Sequence[str] | None = None,
    system: bool = False,
) -> int:
    """Withdraw ``perms`` (all of them when None) from ``users`` and ``groups``.

    Withdrawing ``view_document`` withdraws every permission, since none is
    usable without it. Needs ``share_document`` unless ``system=True``. Return
    the number of grants removed. Audited as ``document.revoke``.
    """
    _check_share(actor, document, system)
    users, groups = list(users), list(groups)
    if not users and not groups:
        raise ActionError(_("Hãy chọn người hoặc cơ quan cần thu hồi."), code="invalid")
    codes = set(DOCUMENT_PERMS if perms is None or "view_document" in perms else perms)
    _permissions(codes)  # validates the names
    with transaction.atomic():
        removed, _rows = DocumentUserObjectPermission.objects.filter(
            content_object=document, user__in=users, permission__codename__in=codes
        ).delete()
        removed_g, _rows = DocumentGroupObjectPermission.objects.filter(
            content_object=document, group__in=groups, permission__codename__in=codes
        ).delete()
        record_audit(
            actor,
            "document.revoke",
            document,
            system=system,
            removed=removed + removed_g,
            **_audit_detail(users, groups, codes),
        )
    return removed + removed_g


def grant_to_group_bulk(
    actor,
    documents: Iterable[Document],
    *,
    group: Group,
    perms: Sequence[str] = ("view_document",),
) -> int:
    """Grant ``perms`` (plus view) on many documents to one group, in one insert.

    For trusted callers that checked their own rule (publishing a meeting grants
    its participants' group view on the agenda documents). Existing grants are
    kept. One audit row per document, written in one insert. Return the number
    of documents.
    """
    documents = list(documents)
    if not documents:
        return 0
    wanted = _with_view(perms)
    with transaction.atomic():
        permissions = _permissions(wanted)
        DocumentGroupObjectPermission.objects.bulk_create(
            [
                DocumentGroupObjectPermission(
                    group=group, permission=p, content_object=d
                )
                for d in documents
                for p in permissions
            ],
            ignore_conflicts=True,
        )
        now = timezone.now()
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    time=now,
                    user=actor if actor is not None and actor.pk else None,
                    username=getattr(actor, "username", "") or "",
                    action="document.grant",
                    object_type=Document._meta.label_lower,
                    object_id=str(d.pk),
                    detail={
                        "groups": [group.name],
                        "perms": sorted(wanted),
                        "bulk": True,
                    },
                )
                for d in documents
            ]
        )
    return len(documents)


def prerender(versions: Iterable[DocumentVersion]) -> int:
    """Enqueue rendering of any missing common widths of ready versions.

    Cheap to call again: the task skips what is cached. Enqueued on commit.
    Return the number of versions enqueued.
    """
    ids = [v.pk for v in versions if v.status == "ready"]
    for version_id in ids:
        transaction.on_commit(
            lambda version_id=version_id: processing.enqueue_prerender(version_id)
        )
    return len(ids)


# --- audit of reads -------------------------------------------------------------------


def record_page_view(
    user, document: Document, version: DocumentVersion, *, page: int, width: int, ip
) -> None:
    """Audit one view of a page image of a confidential document."""
    record_audit(
        user,
        "document.page_view",
        document,
        ip=ip,
        version=version.number,
        page=page,
        width=width,
    )


def record_download(
    user, document: Document, version: DocumentVersion, *, ip, watermarked: bool
) -> None:
    """Audit one download of a (cleaned) original file."""
    record_audit(
        user,
        "document.download",
        document,
        ip=ip,
        version=version.number,
        sha256=version.sha256,
        watermarked=watermarked,
    )
