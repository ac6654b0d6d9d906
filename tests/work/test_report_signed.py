"""A finalised consultation report is signed with the body's certificate."""

from __future__ import annotations

from pathlib import Path

from accounts.models import AuditEvent
from tests.documents import signing_pki
from work import actions


def test_the_report_is_signed_and_valid_for_pdfsig(
    cast, consultation, settings, tmp_path, django_capture_on_commit_callbacks
):
    body_key = signing_pki.configure_body_key(settings, tmp_path)
    actions.answer_consultation(cast.delegate, consultation, opinion="agree")
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_consultation(cast.chair, consultation)
    consultation.refresh_from_db()
    assert consultation.report_sha256
    signing_pki.assert_signed_by_body(
        Path(consultation.report_pdf.path), body_key, tmp_path
    )
    assert AuditEvent.objects.filter(
        action="signature.signed", object_id=str(consultation.pk)
    ).exists()
