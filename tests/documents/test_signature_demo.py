"""seed_demo's signature part: a signed incoming document and signed minutes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from documents.models import Document, SignatureStatus
from tests.documents import signing_pki


@pytest.mark.django_db
def test_the_demo_has_a_signed_document_and_signed_minutes(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from accounts.demo import seed_people
    from documents.signature_demo import demo as signature_demo
    from meetings import demo as meetings_demo
    from meetings.models import Minutes

    settings.SIGNING_KEYS_FILE = tmp_path / "signing" / "keys.json"
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        bodies = seed_people()
        signature_demo.seed(bodies, stdout=out)
        signature_demo.seed(bodies, stdout=out)  # idempotent
        meetings_demo.seed(bodies, stdout=out)
    document = Document.objects.get(title=signature_demo.TITLE)
    version = document.latest_version
    assert version.signature_status == SignatureStatus.VALID
    assert version.signatures[0]["signer"]["name"] == "Văn phòng UBND tỉnh Sơn La"
    minutes = Minutes.objects.get(status="approved")
    root = tmp_path / "signing" / "demo-pki" / "root.pem"
    nss = signing_pki.nss_db(tmp_path, root)
    report = signing_pki.pdfsig(Path(minutes.pdf.path), nss)
    assert "Signature is Valid" in report and "Total document signed" in report
    if nss is not None:
        assert "Certificate is Trusted" in report
