"""Digital signatures of PDFs with pyHanko (worker side: imported by ops only).

Verification never fetches anything: the trust roots and CRLs are those the
administrator installed, passed in by the caller as DER bytes. Signing takes a
PKCS#12 file's bytes and passphrase, uses them for this job only and keeps
nothing. See docs/signatures.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from documents.pdf import writer
from documents.pdf.annotation_diff import DIFF_POLICY
from documents.pdf.errors import PdfError

# Path-building failures are results here, not errors worth a traceback.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)

_MODIFICATIONS = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "lta",
    ModificationLevel.FORM_FILLING: "form",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


def _der(blob: bytes) -> bytes:
    if pem.detect(blob):
        _, _, der = pem.unarmor(blob)
        return der
    return blob


def describe_certificate(blob: bytes) -> dict[str, Any]:
    """Describe one certificate (PEM or DER) for the trust store and the registry."""
    try:
        cert = asn1_x509.Certificate.load(_der(blob))
        cert.native  # noqa: B018 - parse fully now
    except Exception as exc:
        raise PdfError("bad_certificate") from exc
    return _cert_info(cert) | {"der": cert.dump(), "dn": _dn(cert.subject)}


_DN_KEYS = {
    "common_name": "CN",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "locality_name": "L",
    "state_or_province_name": "ST",
    "country_name": "C",
    "email_address": "E",
    "serial_number": "SERIALNUMBER",
}


def _dn(name: asn1_x509.Name) -> str:
    """A distinguished name as ``CN=…, O=…, C=VN`` (most specific first)."""
    parts = [
        f"{_DN_KEYS.get(key, key)}={_nfc(value)}" for key, value in name.native.items()
    ]
    return ", ".join(reversed(parts))


def describe_crl(blob: bytes) -> dict[str, Any]:
    """Describe one CRL (PEM or DER): issuer, dates and number of entries."""
    try:
        item = asn1_crl.CertificateList.load(_der(blob))
        tbs = item["tbs_cert_list"]
        next_update = tbs["next_update"].native
        info = {
            "issuer": item.issuer.human_friendly,
            "this_update": tbs["this_update"].native.isoformat(),
            "next_update": next_update.isoformat() if next_update else None,
            "entries": len(tbs["revoked_certificates"] or []),
        }
    except Exception as exc:
        raise PdfError("bad_crl") from exc
    return info | {"der": item.dump()}


def _cert_info(cert: asn1_x509.Certificate) -> dict[str, Any]:
    subject = cert.subject.native
    return {
        "name": _nfc(subject.get("common_name", "")),
        "organisation": _nfc(
            subject.get("organization_name", "")
            or subject.get("organizational_unit_name", "")
        ),
        "subject": _nfc(cert.subject.human_friendly),
        "issuer": _nfc(
            cert.issuer.native.get("common_name") or cert.issuer.human_friendly
        ),
        "serial": format(cert.serial_number, "x"),
        "sha256": cert.sha256.hex(),
        "not_before": cert.not_valid_before.isoformat(),
        "not_after": cert.not_valid_after.isoformat(),
    }


def _nfc(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return unicodedata.normalize("NFC", str(value or ""))


# ---------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------
def _context(roots: list[bytes], crls: list[bytes], moment) -> ValidationContext:
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(_der(r)) for r in roots],
        crls=[_der(c) for c in crls],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
        time_tolerance=dt.timedelta(minutes=5),
    )


def _crl_status(crls: list[bytes], cert: asn1_x509.Certificate, moment) -> str:
    """Return good, revoked or unknown from the installed CRLs of the issuer.

    A CRL counts when its issuer is the certificate's issuer; a listed serial
    revoked at or before ``moment`` (the signing time) is revoked.
    """
    covered = False
    for blob in crls:
        try:
            item = asn1_crl.CertificateList.load(_der(blob))
            if item.issuer != cert.issuer:
                continue
            covered = True
            for entry in item["tbs_cert_list"]["revoked_certificates"] or []:
                if entry["user_certificate"].native == cert.serial_number:
                    when = entry["revocation_date"].native
                    if moment is None or when <= moment:
                        return "revoked"
        except Exception:  # noqa: S112 - an unreadable CRL covers nothing
            continue
    return "good" if covered else "unknown"


def _signing_time(status) -> dt.datetime | None:
    ts = getattr(status, "timestamp_validity", None)
    if ts is not None and ts.timestamp:
        return ts.timestamp
    return status.signer_reported_dt


def verify(path: str, *, roots: list[bytes], crls: list[bytes]) -> list[dict[str, Any]]:
    """Validate every signature of ``path``; return one description each.

    Each has ``field``, ``signer`` (name, organisation, issuer, serial, dates),
    ``signed_at`` (the signer's claim), ``timestamp_at`` (a timestamp token's
    time, if any), ``intact`` (the signed bytes hash and signature check),
    ``coverage`` (``entire_file`` or ``revision``), ``modification`` (none,
    lta, form, annotations, other: what was appended after signing),
    ``trusted``, ``expired``, ``revocation`` (good, revoked, unknown) and
    ``valid`` (the bottom line); ``problems`` lists stable codes.
    """
    try:
        with open(path, "rb") as fh:
            reader = PdfFileReader(io.BytesIO(fh.read()), strict=False)
            sigs = list(reader.embedded_signatures)
    except FileNotFoundError:
        raise PdfError("not_found") from None
    except Exception as exc:
        raise PdfError("damaged") from exc
    return [_verify_one(sig, roots, crls) for sig in sigs]


def _verify_one(sig, roots: list[bytes], crls: list[bytes]) -> dict[str, Any]:
    out: dict[str, Any] = {"field": _nfc(sig.field_name), "problems": []}
    try:
        cert = sig.signer_cert
        out["signer"] = _cert_info(cert)
    except Exception:
        out |= {"signer": {}, "intact": False, "valid": False, "problems": ["broken"]}
        return out
    moment = None
    with contextlib.suppress(Exception):
        moment = sig.self_reported_timestamp
    try:
        status = validate_pdf_signature(
            sig, _context(roots, crls, moment), diff_policy=DIFF_POLICY
        )
    except Exception:
        out |= {"intact": False, "valid": False, "problems": ["broken"]}
        return out
    signed_at = status.signer_reported_dt
    ts = getattr(status, "timestamp_validity", None)
    out["signed_at"] = signed_at.isoformat() if signed_at else None
    out["timestamp_at"] = ts.timestamp.isoformat() if ts and ts.timestamp else None
    out["intact"] = bool(status.intact and status.valid)
    coverage = status.coverage.name.lower() if status.coverage else "unclear"
    out["coverage"] = "entire_file" if coverage == "entire_file" else "revision"
    level = status.modification_level
    out["modification"] = _MODIFICATIONS.get(level, "other") if level else "none"
    if coverage not in ("entire_file", "entire_revision"):
        out["modification"] = "other"
    out["trusted"] = bool(status.trusted)
    moment_used = _signing_time(status) or dt.datetime.now(dt.UTC)
    out["expired"] = cert.not_valid_after < moment_used
    out["not_yet_valid"] = cert.not_valid_before > moment_used
    out["revocation"] = (
        "revoked" if status.revoked else _crl_status(crls, cert, moment_used)
    )
    problems = out["problems"]
    if not out["intact"]:
        problems.append("modified")
    if out["modification"] == "other" or not status.docmdp_ok:
        problems.append("changed_after")
    if out["revocation"] == "revoked":
        problems.append("revoked")
    elif out["expired"] or out["not_yet_valid"]:
        problems.append("expired")
    elif not out["trusted"]:
        problems.append("untrusted")
    out["valid"] = not problems
    return out


# ---------------------------------------------------------------------------
# sign
# ---------------------------------------------------------------------------
def _signer(p12: bytes, passphrase: str) -> signers.SimpleSigner:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            p12, passphrase.encode() if passphrase else None
        )
    except Exception as exc:
        raise PdfError("bad_pkcs12") from exc
    if key is None or cert is None:
        raise PdfError("bad_pkcs12")
    signer = signers.SimpleSigner.load_pkcs12_data(
        p12, other_certs=[], passphrase=passphrase.encode() if passphrase else None
    )
    if signer is None:
        raise PdfError("bad_pkcs12")
    return signer


def signer_of(p12: bytes, passphrase: str) -> dict[str, Any]:
    """Describe the certificate inside a PKCS#12 file (checks the passphrase)."""
    return _cert_info(_signer(p12, passphrase).signing_cert)


def sign(
    path: str,
    out_path: str,
    *,
    pkcs12_data: bytes,
    passphrase: str,
    box: dict[str, Any] | None = None,
    reason: str = "",
    location: str = "",
    tsa_url: str = "",
    field_name: str = "",
    tz: str = "Asia/Ho_Chi_Minh",
) -> dict[str, Any]:
    """Sign ``path`` (PAdES B-B, or B-T with ``tsa_url``) into ``out_path``.

    ``box`` is ``{"page": n (1-based), "rect": [x0, y0, x1, y1]}`` in points
    from the page's top left (as :mod:`documents.pdf.record` reports it): the
    visible block "Ký bởi / Cơ quan / Thời gian" is drawn there in Noto Sans.
    """
    signer = _signer(pkcs12_data, passphrase)
    info = _cert_info(signer.signing_cert)
    with open(path, "rb") as fh:
        data = io.BytesIO(fh.read())
    try:
        w = IncrementalPdfFileWriter(data, strict=False)
    except Exception as exc:
        raise PdfError("damaged") from exc
    name = field_name or f"ChuKy{len(list(w.prev.embedded_signatures)) + 1}"
    spec = None
    if box:
        pages = int(w.prev.root["/Pages"]["/Count"])
        pno = min(max(1, int(box.get("page", pages))), pages) - 1
        page = w.prev.find_page_for_modification(pno)[0].get_object()
        mediabox = page.get("/MediaBox") or [0, 0, 595, 842]
        height = float(mediabox[3])
        x0, y0, x1, y1 = (float(v) for v in box["rect"])
        spec = fields.SigFieldSpec(
            name, on_page=pno, box=(x0, height - y1, x1, height - y0)
        )
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
        name=info["name"] or None,
    )
    style = TextStampStyle(
        stamp_text=("Ký bởi: %(signer)s\nCơ quan: %(org)s\nThời gian: %(when)s"),
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(writer.REGULAR), font_size=8),
            font_size=8,
        ),
        border_width=1,
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=spec,
    )
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(
            w,
            output=out,
            appearance_text_params={
                "signer": info["name"],
                "org": info["organisation"] or "—",
                "when": dt.datetime.now(ZoneInfo(tz)).strftime("%H:%M:%S %d/%m/%Y"),
            },
        )
    except SigningError as exc:
        raise PdfError("sign_failed") from exc
    except Exception as exc:
        if tsa_url:
            raise PdfError("timestamp_failed") from exc
        raise
    tmp = f"{out_path}.part"
    with open(tmp, "wb") as fh:
        fh.write(out.getvalue())
    os.replace(tmp, out_path)
    return {"field": name, "signer": info, "size": len(out.getvalue())}


def check_addition(prepared: str, uploaded: str) -> dict[str, Any]:
    """Check that ``uploaded`` is ``prepared`` plus one signature, nothing else.

    Return ``{"field", "modification"}`` of the new signature; raise
    ``PdfError("not_prepared")`` when the upload does not start with the
    prepared bytes, and ``"not_signature_only"`` when it added more than a
    signature (pyHanko's difference analysis of the new revision).
    """
    try:
        with open(prepared, "rb") as fh:
            base = fh.read()
        with open(uploaded, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise PdfError("not_found") from None
    if len(data) <= len(base) or not data.startswith(base):
        raise PdfError("not_prepared")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except Exception as exc:
        raise PdfError("damaged") from exc
    before = len(PdfFileReader(io.BytesIO(base), strict=False).embedded_signatures)
    if len(sigs) != before + 1:
        raise PdfError("not_signature_only")
    new = sigs[-1]
    if new.signed_revision != reader.xrefs.total_revisions - 1:
        raise PdfError("not_signature_only")
    base_rev = PdfFileReader(io.BytesIO(base), strict=False).xrefs.total_revisions
    try:
        diff = DEFAULT_DIFF_POLICY.review_file(reader, base_rev - 1)
    except Exception as exc:
        raise PdfError("not_signature_only") from exc
    level = getattr(diff, "modification_level", ModificationLevel.OTHER)
    if level > ModificationLevel.FORM_FILLING:
        raise PdfError("not_signature_only")
    return {"field": _nfc(new.field_name), "signer": _cert_info(new.signer_cert)}
