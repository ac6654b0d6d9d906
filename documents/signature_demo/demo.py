"""Demo digital signatures (``manage.py seed_demo``).

Makes a stand-in certificate hierarchy at seed time (:mod:`documents.pki`),
installs its root in the trust store, configures the demo bodies to sign with
a key issued by it (``settings.SIGNING_KEYS_FILE``, passphrase in a secrets
file beside it) and uploads an incoming document signed by the provincial
People's Committee office, which shows "Đã ký số". Runs before the meetings'
demo, so the past session's approved minutes are signed. Idempotent.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File

from accounts.models import User
from documents import actions, pdf, pki, processing, signatures
from documents.demo import PARAGRAPHS
from documents.models import Document

TITLE = "Công văn của UBND tỉnh về kế hoạch đầu tư công năm 2026 (bản ký số)"
PASSPHRASE = "nghisu-demo"


def _pki_dir() -> Path:
    return Path(settings.SIGNING_KEYS_FILE).parent / "demo-pki"


def _ensure_pki() -> Path:
    """Make the demo hierarchy once; return its directory."""
    directory = _pki_dir()
    if (directory / "hdnd.p12").exists() and (directory / "ubnd.p12").exists():
        return directory
    hierarchy = pki.make_pki(directory, label="Nghị Sự (dữ liệu mẫu)")
    for stem, name, org in (
        ("hdnd", "Văn phòng HĐND tỉnh Sơn La", "Hội đồng nhân dân tỉnh Sơn La"),
        ("ubnd", "Văn phòng UBND tỉnh Sơn La", "Ủy ban nhân dân tỉnh Sơn La"),
    ):
        pki.issue_leaf(
            hierarchy, directory, stem, name=name, org=org, passphrase=PASSPHRASE
        )
    pki.write_crl(hierarchy, directory, [])
    return directory


def _configure_keys(directory: Path) -> None:
    """Point the demo's signing keys file at the demo key, unless a real one exists."""
    keys = Path(settings.SIGNING_KEYS_FILE)
    if keys.exists():
        try:
            if not json.loads(keys.read_text("utf-8")).get("demo"):
                return
        except ValueError:
            return
    secret = directory / "passphrase.txt"
    secret.write_text(PASSPHRASE, encoding="utf-8")
    os.chmod(secret, 0o600)
    keys.parent.mkdir(parents=True, exist_ok=True)
    entry = {"pkcs12": str(directory / "hdnd.p12"), "passphrase_file": str(secret)}
    keys.write_text(json.dumps({"demo": True, "default": entry}, indent=2), "utf-8")


def _signed_document(bodies: dict, directory: Path, stdout) -> None:
    body = bodies.get("hdnd")
    uploader = User.objects.filter(username="thuky").first()
    if body is None or uploader is None:
        return
    if Document.objects.filter(title=TITLE, body=body).exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        plain, signed = Path(tmp) / "plain.pdf", Path(tmp) / "signed.pdf"
        pdf.make_demo_pdf(
            plain,
            title="KẾ HOẠCH ĐẦU TƯ CÔNG NĂM 2026",
            paragraphs=PARAGRAPHS,
            pages=2,
            heading_lines=["ỦY BAN NHÂN DÂN", "TỈNH SƠN LA"],
        )
        pdf.sign_pdf(
            plain,
            signed,
            pkcs12_data=(directory / "ubnd.p12").read_bytes(),
            passphrase=PASSPHRASE,
            box={"page": 2, "rect": [320, 700, 540, 770]},
            reason="Ban hành văn bản",
            location="Sơn La",
        )
        with signed.open("rb") as fh:
            document = actions.create_document(
                uploader,
                body=body,
                title=TITLE,
                uploaded_file=File(fh, name="cong-van-ky-so.pdf"),
                classification="internal",
            )
    processing.process_version(document.latest_version_id)
    actions.grant(uploader, document, groups=[body.group])
    stdout.write(f"  Tài liệu: {TITLE} (đã ký số)")


def seed(bodies: dict, *, stdout) -> None:
    """Install the demo trust root and signing key, and the signed document."""
    directory = _ensure_pki()
    signatures.add_trust_root(
        None, (directory / "root.pem").read_bytes(), name="CA gốc dữ liệu mẫu"
    )
    signatures.add_crl(None, (directory / "intermediate.crl").read_bytes())
    _configure_keys(directory)
    _signed_document(bodies, directory, stdout)
