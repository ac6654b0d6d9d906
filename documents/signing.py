"""Signing what meetings produce with the body's certificate (PAdES).

The key of a body is a PKCS#12 file named in ``settings.SIGNING_KEYS_FILE``::

    {"bodies": {"12": {"pkcs12": "/etc/nghisu/hdnd.p12",
                       "passphrase_env": "NGHISU_P12_HDND"}},
     "default": {"pkcs12": "...", "passphrase_file": "/run/secrets/p12"}}

The passphrase comes from the environment or a secrets file, never the
database. With ``settings.SIGNING_TSA_URL`` (a timestamp server on the local
network) signatures are PAdES B-T, otherwise B-B. A body without a key gets
unsigned records, as before. See docs/signatures.md.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from accounts.actions import record_audit
from documents import pdf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SigningKey:
    """A body's PKCS#12 bytes and passphrase, read for one signature."""

    pkcs12: bytes
    passphrase: str
    source: str


def _entry(body) -> dict[str, Any] | None:
    path = Path(settings.SIGNING_KEYS_FILE)
    if not path.exists():
        return None
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.error("signing keys file %s is unreadable", path)
        return None
    bodies = config.get("bodies") or {}
    if body is not None and str(body.pk) in bodies:
        return bodies[str(body.pk)]
    return config.get("default")


def signing_key(body) -> SigningKey | None:
    """Return the key that signs for ``body`` (or the default), if configured."""
    entry = _entry(body)
    if not entry or not entry.get("pkcs12"):
        return None
    try:
        data = Path(entry["pkcs12"]).read_bytes()
        if entry.get("passphrase_env"):
            passphrase = os.environ.get(entry["passphrase_env"], "")
        elif entry.get("passphrase_file"):
            passphrase = Path(entry["passphrase_file"]).read_text("utf-8").strip()
        else:
            passphrase = ""
    except OSError:
        logger.error("signing key of body %s cannot be read", getattr(body, "pk", None))
        raise pdf.PdfError("bad_pkcs12") from None
    return SigningKey(pkcs12=data, passphrase=passphrase, source=entry["pkcs12"])


def sign_record(
    spec: dict[str, Any],
    *,
    body,
    actor,
    obj: object,
    reason: str,
    column: int = -1,
) -> bytes:
    """Lay out ``spec`` as a record and sign it for ``body``; return the PDF.

    The visible signature goes in signature column ``column`` of the record
    (the last one, the presiding signer's, by default). Without a configured
    key the record is returned unsigned. Audit ``signature.signed``; a failure
    raises :class:`pdf.PdfError` (the caller audits the refusal).
    """
    with tempfile.TemporaryDirectory(prefix="nghisu-sign-") as tmp:
        plain = os.path.join(tmp, "record.pdf")
        built = pdf.build_record(plain, spec)
        try:
            key = signing_key(body)
        except pdf.PdfError as exc:
            _audit_failure(actor, obj, exc)
            raise
        if key is None:
            return Path(plain).read_bytes()
        boxes = built.get("signature_boxes") or []
        box = boxes[column] if boxes else None
        signed = os.path.join(tmp, "signed.pdf")
        result = _sign(
            actor,
            obj,
            plain,
            signed,
            pkcs12_data=key.pkcs12,
            passphrase=key.passphrase,
            box=box,
            reason=str(reason),
            location=str(getattr(body, "name", "") or ""),
            tsa_url=settings.SIGNING_TSA_URL,
        )
        data = Path(signed).read_bytes()
    record_audit(
        actor,
        "signature.signed",
        obj,
        field=result["field"],
        signer=result["signer"]["name"],
        serial=result["signer"]["serial"],
        level="B-T" if settings.SIGNING_TSA_URL else "B-B",
    )
    return data


def _sign(actor, obj, path: str, out: str, **kwargs: Any) -> dict[str, Any]:
    """Sign through the pool; audit a failure here unless a transaction would
    roll the audit back (the caller then audits its refusal)."""
    try:
        return pdf.sign_pdf(path, out, **kwargs)
    except pdf.PdfError as exc:
        _audit_failure(actor, obj, exc)
        raise


def _audit_failure(actor, obj: object, exc: pdf.PdfError) -> None:
    if not connection.in_atomic_block:
        record_audit(actor, "signature.failed", obj, code=exc.code)
