"""A test certificate hierarchy and poppler's ``pdfsig`` as an independent check."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from documents import pdf, pki
from tests import services


@dataclass
class SigningPki:
    hierarchy: pki.Pki
    body: pki.Issued
    chair: pki.Issued
    revoked: pki.Issued
    expired: pki.Issued
    stranger: pki.Issued
    other_root: pki.Pki
    crl: Path
    directory: Path

    @property
    def root_pem(self) -> bytes:
        return self.hierarchy.root.pem.read_bytes()

    @property
    def crl_der(self) -> bytes:
        return self.crl.read_bytes()


def build(directory: Path) -> SigningPki:
    """Root, intermediate, body, chair, revoked (+ CRL), expired, untrusted."""
    h = pki.make_pki(directory / "main")
    d = directory / "main"
    body = pki.issue_leaf(
        h, d, "body", name="Văn phòng HĐND tỉnh Sơn La", org="HĐND tỉnh Sơn La"
    )
    chair = pki.issue_leaf(h, d, "chair", name="Nguyễn Văn Chủ Tọa", org="HĐND tỉnh")
    revoked = pki.issue_leaf(h, d, "revoked", name="Người Bị Thu Hồi", org="Sở X")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    expired = pki.issue_leaf(
        h,
        d,
        "expired",
        name="Người Hết Hạn",
        org="Sở Y",
        not_before=past,
        not_after=past + dt.timedelta(days=30),
    )
    crl = pki.write_crl(h, d, [revoked])
    other = pki.make_pki(directory / "other", label="Không tin cậy")
    stranger = pki.issue_leaf(
        other, directory / "other", "stranger", name="Người Lạ", org="Tổ chức lạ"
    )
    return SigningPki(h, body, chair, revoked, expired, stranger, other, crl, directory)


def sign(src: Path, out: Path, who: pki.Issued, **kw) -> dict:
    return pdf.sign_pdf(
        src, out, pkcs12_data=who.p12.read_bytes(), passphrase=who.passphrase, **kw
    )


def nss_db(directory: Path, root_pem: Path) -> Path | None:
    """An NSS database trusting ``root_pem`` for ``pdfsig -nssdir``, if possible."""
    if shutil.which("certutil") is None:
        return None
    db = directory / "nss"
    db.mkdir(exist_ok=True)
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True
    )
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C"]
        + ["-i", str(root_pem)],
        check=True,
    )
    return db


def pdfsig(path: Path, nss: Path | None) -> str:
    """Run poppler's pdfsig: skipped locally without it, a failure under CI
    (whose .ci/run installs poppler-utils)."""
    if shutil.which("pdfsig") is None:
        services.missing(
            "pdfsig (poppler-utils) is missing: apt-get install poppler-utils",
            required=os.environ.get("CI", "").lower() == "true",
        )
    cmd = ["pdfsig"] + (["-nssdir", f"sql:{nss}"] if nss else []) + [str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def configure_body_key(settings, directory: Path) -> SigningPki:
    """Make every body sign with the test body key (passphrase in a file)."""
    import json

    hierarchy = build(directory / "pki")
    secret = directory / "pass.txt"
    secret.write_text(hierarchy.body.passphrase)
    keys = directory / "keys.json"
    entry = {"pkcs12": str(hierarchy.body.p12), "passphrase_file": str(secret)}
    keys.write_text(json.dumps({"default": entry}))
    settings.SIGNING_KEYS_FILE = keys
    settings.SIGNING_TSA_URL = ""
    return hierarchy


def assert_signed_by_body(path: Path, hierarchy: SigningPki, directory: Path) -> None:
    """The file carries one valid signature of the body key, for us and pdfsig."""
    [sig] = pdf.verify_signatures(
        path, roots=[hierarchy.root_pem], crls=[hierarchy.crl_der]
    )
    assert sig["valid"], sig
    assert sig["signer"]["name"] == "Văn phòng HĐND tỉnh Sơn La"
    report = pdfsig(path, nss_db(directory, hierarchy.hierarchy.root.pem))
    assert "Signature is Valid" in report and "Total document signed" in report
    if shutil.which("certutil"):
        assert "Certificate is Trusted" in report
