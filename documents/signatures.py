"""Verification of the digital signatures a document version carries.

The trust store is what the administrator installed (:class:`TrustRoot`,
:class:`RevocationList`); nothing is fetched. Results are stored with the
version (``signatures``, ``signature_status``), audited, and evaluated again
when the trust store changes (:func:`reverify_all`, run as a task).
See docs/signatures.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from accounts.actions import record_audit
from documents import pdf, storage
from documents.models import (
    DocumentVersion,
    RevocationList,
    SignatureStatus,
    TrustRoot,
    VersionStatus,
)

logger = logging.getLogger(__name__)


def trust_material() -> tuple[list[bytes], list[bytes]]:
    """Return the installed trust roots and CRLs as DER bytes."""
    roots = [bytes(d) for d in TrustRoot.objects.values_list("der", flat=True)]
    crls = [bytes(d) for d in RevocationList.objects.values_list("der", flat=True)]
    return roots, crls


def verdict(results: list[dict[str, Any]]) -> str:
    """Return the version's status: none, valid (every signature) or invalid."""
    if not results:
        return SignatureStatus.NONE
    if all(r.get("valid") for r in results):
        return SignatureStatus.VALID
    return SignatureStatus.INVALID


def verify_version(version: DocumentVersion, *, user=None) -> list[dict[str, Any]]:
    """Verify the signatures of ``version``'s file, store and audit the result.

    A file that cannot be read for signatures keeps its previous result (the
    processing pipeline reports unreadable files itself).
    """
    if not version.file:
        return []
    roots, crls = trust_material()
    try:
        results = pdf.verify_signatures(
            storage.absolute(version.file), roots=roots, crls=crls
        )
    except pdf.PdfError as exc:
        logger.warning("version %s: signatures not checked (%s)", version.pk, exc.code)
        return list(version.signatures)
    status = verdict(results)
    changed = results != version.signatures or status != version.signature_status
    version.signatures = results
    version.signature_status = status
    version.signatures_checked_at = timezone.now()
    DocumentVersion.objects.filter(pk=version.pk).update(
        signatures=results,
        signature_status=status,
        signatures_checked_at=version.signatures_checked_at,
    )
    if results and changed:
        record_audit(
            user,
            "document.signatures_verified",
            version.document,
            version=version.number,
            status=status,
            signatures=[
                {
                    "field": r.get("field"),
                    "signer": (r.get("signer") or {}).get("name"),
                    "serial": (r.get("signer") or {}).get("serial"),
                    "valid": r.get("valid"),
                    "problems": r.get("problems"),
                }
                for r in results
            ],
        )
    return results


def reverify_all() -> int:
    """Evaluate every signed version again (the trust store changed); return count."""
    count = 0
    for version in (
        DocumentVersion.objects.filter(status=VersionStatus.READY)
        .exclude(signatures=[])
        .select_related("document")
        .iterator()
    ):
        verify_version(version)
        count += 1
    return count


@task(queue_name="pdf")
def reverify_signatures_task() -> int:
    """Evaluate every signed version again after the trust store changed."""
    return reverify_all()


def _enqueue_reverify() -> None:
    reverify_signatures_task.enqueue()


def add_trust_root(actor, data: bytes, *, name: str = "") -> TrustRoot:
    """Install a trust root (PEM or DER); re-verify signed versions after commit.

    Raise :class:`pdf.PdfError` ``bad_certificate`` for anything else.
    """
    info = pdf.describe_certificate(data)
    with transaction.atomic():
        root, _created = TrustRoot.objects.update_or_create(
            sha256=info["sha256"],
            defaults={
                "name": (name or info["name"] or info["subject"])[:300],
                "der": info["der"],
                "subject": info["subject"][:500],
                "not_after": parse_datetime(info["not_after"]),
            },
        )
        record_audit(actor, "signatures.trust_root_added", root, sha256=root.sha256)
        transaction.on_commit(_enqueue_reverify)
    return root


def add_crl(actor, data: bytes) -> RevocationList:
    """Install a CRL (PEM or DER); re-verify signed versions after commit."""
    info = pdf.describe_crl(data)
    digest = hashlib.sha256(info["der"]).hexdigest()
    with transaction.atomic():
        crl, _created = RevocationList.objects.update_or_create(
            sha256=digest,
            defaults={
                "issuer": info["issuer"][:500],
                "der": info["der"],
                "this_update": parse_datetime(info["this_update"]),
                "next_update": parse_datetime(info["next_update"])
                if info["next_update"]
                else None,
                "entries": info["entries"],
            },
        )
        record_audit(actor, "signatures.crl_added", crl, entries=crl.entries)
        transaction.on_commit(_enqueue_reverify)
    return crl


def trust_store_changed(actor, obj, *, removed: bool) -> None:
    """Audit a removal or edit in the admin and re-verify after commit."""
    record_audit(
        actor,
        "signatures.trust_store_removed"
        if removed
        else "signatures.trust_store_changed",
        obj,
    )
    transaction.on_commit(_enqueue_reverify)


# ---------------------------------------------------------------------------
# presentation
# ---------------------------------------------------------------------------
_MODIFICATION_TEXT = {
    "none": "",
    "lta": gettext_noop("Sau khi ký chỉ bổ sung thông tin kiểm tra dài hạn."),
    "form": gettext_noop("Sau khi ký có điền biểu mẫu hoặc thêm chữ ký."),
    "annotations": gettext_noop("Sau khi ký có thêm chú thích (ghi chú, đánh dấu)."),
    "other": gettext_noop("Sau khi ký tài liệu đã bị sửa đổi nội dung."),
}
_PROBLEM_TEXT = {
    "broken": gettext_noop("Không đọc được chữ ký."),
    "modified": gettext_noop("Nội dung được ký đã bị thay đổi."),
    "changed_after": gettext_noop("Tài liệu bị sửa đổi sau khi ký."),
    "revoked": gettext_noop("Chứng thư số đã bị thu hồi."),
    "expired": gettext_noop("Chứng thư số đã hết hạn (hoặc chưa có hiệu lực) khi ký."),
    "untrusted": gettext_noop("Chứng thư số không thuộc nguồn tin cậy đã cài đặt."),
}
_REVOCATION_TEXT = {
    "good": gettext_noop("Không bị thu hồi (theo CRL đã cài đặt)."),
    "revoked": gettext_noop("Đã bị thu hồi."),
    "unknown": gettext_noop("Không kiểm tra được (chưa có CRL phù hợp)."),
}


def _time(raw: str | None) -> dt.datetime | None:
    value = parse_datetime(raw) if raw else None
    return timezone.localtime(value) if value else None


def describe(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn stored results into rows for the viewer's panel (Vietnamese texts)."""
    rows = []
    for r in results:
        signer = r.get("signer") or {}
        rows.append(
            {
                "field": r.get("field"),
                "valid": bool(r.get("valid")),
                "name": signer.get("name") or signer.get("subject") or "—",
                "organisation": signer.get("organisation") or "",
                "issuer": signer.get("issuer") or "",
                "signed_at": _time(r.get("signed_at")),
                "timestamp_at": _time(r.get("timestamp_at")),
                "intact": r.get("intact"),
                "trusted": r.get("trusted"),
                "modification": _(_MODIFICATION_TEXT.get(r.get("modification"), ""))
                if r.get("modification") not in (None, "none")
                else "",
                "revocation": _(_REVOCATION_TEXT.get(r.get("revocation"), ""))
                if r.get("revocation")
                else "",
                "problems": [_(_PROBLEM_TEXT[p]) for p in r.get("problems", [])],
            }
        )
    return rows
