"""The presiding chair's own signature on the approved minutes.

"Chuẩn bị ký" hands the chair the exact approved PDF (already signed by the
body when it has a key); they sign it with their token and upload it back, or
upload a PKCS#12 file and passphrase for a one-off signature made in a PDF
worker (the key is kept nowhere). The checks are in
:mod:`documents.personal_signing`; the minutes' lock (sha256) then moves to the
file with the chair's signature, which is what members download.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actions import record_audit
from documents import personal_signing
from meetings import queries
from meetings.actions.records import _lock_minutes
from meetings.models import Minutes, MinutesStatus
from nghisu.errors import ActionError


def sign_minutes_personally(
    actor,
    minutes: Minutes,
    *,
    signed: bytes | None = None,
    pkcs12: bytes | None = None,
    passphrase: str = "",
) -> Minutes:
    """Add the presiding chair's signature to approved ``minutes`` and re-lock.

    ``signed`` is the prepared file signed by the chair's token; otherwise
    ``pkcs12`` and ``passphrase`` sign it here once. The pool work runs
    outside the transaction; the minutes row is then locked and refused
    (``stale``) if its file changed meanwhile. Audit ``minutes.signed``
    (refusals are audited by :mod:`documents.personal_signing`).
    """
    meeting = minutes.meeting
    if not queries.viewer_for(actor, meeting).preside:
        raise ActionError(_("Chỉ chủ tọa cuộc họp mới ký biên bản."), code="forbidden")
    if minutes.status != MinutesStatus.APPROVED or not minutes.pdf:
        raise ActionError(_("Chỉ ký biên bản đã được phê duyệt."), code="not_approved")
    prepared = Path(minutes.pdf.path)
    expected = minutes.sha256
    if signed:
        personal_signing.accept_signed_upload(
            actor, prepared=prepared, uploaded=signed, obj=meeting
        )
        data = signed
    elif pkcs12:
        data = personal_signing.sign_with_pkcs12(
            actor,
            path=prepared,
            pkcs12_data=pkcs12,
            passphrase=passphrase,
            obj=meeting,
            reason=_("Chủ tọa ký biên bản"),
        )
    else:
        raise ActionError(
            _("Hãy chọn tệp biên bản đã ký hoặc tệp khóa ký (PKCS#12)."),
            code="missing",
        )
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        meeting, locked = _lock_minutes(minutes)
        if locked.sha256 != expected or locked.status != MinutesStatus.APPROVED:
            raise ActionError(
                _("Biên bản đã thay đổi trong lúc ký; hãy chuẩn bị ký lại."),
                code="stale",
            )
        locked.pdf.save(f"bien-ban-{digest[:12]}.pdf", ContentFile(data), save=False)
        locked.sha256 = digest
        locked.save(update_fields=["pdf", "sha256"])
        record_audit(
            actor,
            "minutes.signed",
            meeting,
            version=locked.version,
            sha256=digest,
            previous=expected,
        )
    return locked
