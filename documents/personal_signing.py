"""Personal signatures: a signer's own certificate, registered once, and the
checks of a file they signed on their computer (or with a one-off PKCS#12).

The flow (docs/signatures.md): Nghị Sự gives the signer the exact prepared PDF;
they sign it with their token and upload it back; :func:`accept_signed_upload`
checks that the upload is the prepared file plus one signature and nothing
else, that the signature is valid and made with a certificate registered to
that user. The caller then locks its record with the uploaded bytes. Every
outcome is audited.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from documents import pdf, signatures
from documents.models import SignerCertificate
from nghisu.errors import ActionError


def register_certificate(actor, user, data: bytes) -> SignerCertificate:
    """Register ``user``'s signing certificate (PEM or DER); by them or staff.

    A certificate registered to another user is refused (audited
    ``signature.certificate_refused``); audited ``signature.certificate_registered``.
    """
    if actor.pk != user.pk and not actor.is_staff:
        raise ActionError(
            _("Chỉ người dùng hoặc quản trị viên mới đăng ký chứng thư ký."),
            code="forbidden",
        )
    try:
        info = pdf.describe_certificate(data)
    except pdf.PdfError as exc:
        raise ActionError(exc.message, code=exc.code) from exc
    with transaction.atomic():
        row = (
            SignerCertificate.objects.select_for_update()
            .filter(sha256=info["sha256"])
            .first()
        )
        taken = row is not None and row.user_id != user.pk
        if not taken:
            cert, _created = SignerCertificate.objects.update_or_create(
                sha256=info["sha256"],
                defaults={
                    "user": user,
                    "der": info["der"],
                    "name": info["name"][:300] or info["subject"][:300],
                    "organisation": info["organisation"][:300],
                    "serial": info["serial"][:80],
                    "not_after": parse_datetime(info["not_after"]),
                    "added_by": actor,
                },
            )
            record_audit(
                actor,
                "signature.certificate_registered",
                user,
                sha256=cert.sha256,
                serial=cert.serial,
            )
    if taken:
        record_audit(
            actor,
            "signature.certificate_refused",
            user,
            code="taken",
            serial=info["serial"],
        )
        raise ActionError(
            _("Chứng thư này đã được đăng ký cho người dùng khác."), code="taken"
        )
    return cert


def remove_certificate(actor, cert: SignerCertificate) -> None:
    """Remove a registered signing certificate; by its owner or staff.

    Signatures already accepted stay as they are (the files keep them).
    Audited ``signature.certificate_removed``.
    """
    if actor.pk != cert.user_id and not actor.is_staff:
        raise ActionError(
            _("Chỉ người dùng hoặc quản trị viên mới gỡ chứng thư ký."),
            code="forbidden",
        )
    with transaction.atomic():
        record_audit(
            actor,
            "signature.certificate_removed",
            cert.user,
            sha256=cert.sha256,
            serial=cert.serial,
        )
        cert.delete()


def _refuse(user, obj, code: str, message: str, **detail: Any) -> ActionError:
    record_audit(user, "signature.refused", obj, code=code, **detail)
    return ActionError(message, code=code)


def _owned(user, sha256: str) -> bool:
    return SignerCertificate.objects.filter(user=user, sha256=sha256).exists()


def accept_signed_upload(
    user, *, prepared: Path, uploaded: bytes, obj: object
) -> dict[str, Any]:
    """Check a signed file uploaded back against the ``prepared`` bytes.

    Return the new signature's verification. Raise :class:`ActionError`
    (audited ``signature.refused``) when the upload is not the prepared file
    plus exactly one signature, when that signature is not valid, or when its
    certificate is not registered to ``user``.
    """
    with tempfile.TemporaryDirectory(prefix="nghisu-upload-") as tmp:
        path = Path(tmp) / "signed.pdf"
        path.write_bytes(uploaded)
        try:
            added = pdf.check_signature_addition(prepared, path)
            roots, crls = signatures.trust_material()
            results = pdf.verify_signatures(path, roots=roots, crls=crls)
        except pdf.PdfError as exc:
            raise _refuse(user, obj, exc.code, exc.message) from exc
    new = results[-1]
    signer = added["signer"]
    if not _owned(user, signer["sha256"]):
        raise _refuse(
            user,
            obj,
            "wrong_signer",
            _(
                "Chữ ký được tạo bằng chứng thư của “%(name)s”, không phải chứng thư "
                "đã đăng ký của bạn."
            )
            % {"name": signer["name"]},
            serial=signer["serial"],
        )
    if not new.get("valid"):
        problems = ", ".join(signatures.describe([new])[0]["problems"])
        raise _refuse(
            user,
            obj,
            "invalid_signature",
            _("Chữ ký số không hợp lệ: %(why)s") % {"why": problems},
            problems=new.get("problems"),
        )
    record_audit(
        user,
        "signature.personal_accepted",
        obj,
        field=new.get("field"),
        serial=signer["serial"],
    )
    return new


def sign_with_pkcs12(
    user,
    *,
    path: Path,
    pkcs12_data: bytes,
    passphrase: str,
    obj: object,
    reason: str = "",
    box: dict[str, Any] | None = None,
) -> bytes:
    """Sign ``path`` once with a PKCS#12 the user uploaded; return the PDF.

    The key goes to a PDF worker for this job and is kept nowhere. Its
    certificate must be registered to ``user``. Audited either way.
    """
    try:
        info = pdf.describe_pkcs12(pkcs12_data, passphrase)
    except pdf.PdfError as exc:
        raise _refuse(user, obj, exc.code, exc.message) from exc
    if not _owned(user, info["sha256"]):
        raise _refuse(
            user,
            obj,
            "wrong_signer",
            _("Chứng thư trong tệp khóa chưa được đăng ký cho bạn."),
            serial=info["serial"],
        )
    with tempfile.TemporaryDirectory(prefix="nghisu-p12-") as tmp:
        out = os.path.join(tmp, "signed.pdf")
        try:
            result = pdf.sign_pdf(
                path,
                out,
                pkcs12_data=pkcs12_data,
                passphrase=passphrase,
                box=box,
                reason=reason,
            )
        except pdf.PdfError as exc:
            raise _refuse(user, obj, exc.code, exc.message) from exc
        data = Path(out).read_bytes()
    record_audit(
        user,
        "signature.signed",
        obj,
        field=result["field"],
        serial=info["serial"],
        personal=True,
    )
    return data
