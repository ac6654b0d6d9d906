"""A written answer uploaded as a signed PDF is verified like any signed upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import documents.pdf as pdf
from documents import signatures
from documents.models import SignatureStatus
from oversight import actions
from tests.documents import signing_pki
from tests.oversight.conftest import in_days

pytestmark = pytest.mark.django_db


def test_a_signed_written_answer_is_verified(
    cast, agencies, session, tmp_path, django_capture_on_commit_callbacks
):
    hierarchy = signing_pki.build(tmp_path / "pki")
    signatures.add_trust_root(None, hierarchy.root_pem, name="CA gốc thử nghiệm")
    plain = tmp_path / "plain.pdf"
    pdf.make_demo_pdf(
        plain, title="Trả lời chất vấn", paragraphs=["Nội dung."], pages=1
    )
    signed = tmp_path / "signed.pdf"
    signing_pki.sign(
        plain, signed, hierarchy.body, box={"page": 1, "rect": [330, 640, 540, 700]}
    )
    question = actions.submit_question(
        cast.delegate, session, agency=agencies.health, topic="Y tế", text="Vì sao?"
    )
    actions.request_written_answer(cast.secretary, question, due=in_days(7))
    question.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_written_answer(
            agencies.health_director,
            question,
            upload=SimpleUploadedFile(
                "tra-loi-ky-so.pdf", signed.read_bytes(), content_type="application/pdf"
            ),
        )
    question.refresh_from_db()
    version = question.answer_document.latest_version
    version.refresh_from_db()
    assert version.signature_status == SignatureStatus.VALID
