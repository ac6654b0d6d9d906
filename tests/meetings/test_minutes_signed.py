"""Approved minutes are signed (PAdES) with the body's certificate when configured."""

from __future__ import annotations

import hashlib

import pytest

from accounts.models import AuditEvent
from meetings import actions
from tests.documents import signing_pki
from tests.meetings import test_minutes as base

closed = base.closed  # the fixture: a closed session
_draft = base._draft


@pytest.fixture
def body_key(settings, tmp_path):
    """The HĐND signs with a key of a test hierarchy (passphrase in a file)."""
    return signing_pki.configure_body_key(settings, tmp_path)


def test_approved_minutes_are_signed_locked_and_valid_for_pdfsig(
    cast,
    closed,
    body_key,
    tmp_path,
    settings,
):
    minutes = actions.approve_minutes(cast.chair, _draft(cast, closed))
    data = minutes.pdf.read()
    assert hashlib.sha256(data).hexdigest() == minutes.sha256
    out = tmp_path / "minutes.pdf"
    out.write_bytes(data)
    signing_pki.assert_signed_by_body(out, body_key, tmp_path)
    assert AuditEvent.objects.filter(action="signature.signed").exists()


def test_a_wrong_passphrase_refuses_the_approval_with_an_audited_refusal(
    cast,
    closed,
    body_key,
    tmp_path,
    settings,
):
    from nghisu.errors import ActionError

    (tmp_path / "pass.txt").write_text("sai")
    with pytest.raises(ActionError) as err:
        actions.approve_minutes(cast.chair, _draft(cast, closed))
    assert err.value.code == "pdf_failed"
    # Recorded after the rollback by accounts.actions.record_refusal.
    assert err.value.audit["action"] == "signature.failed"


def test_the_chair_uploads_back_the_minutes_signed_with_their_token(
    client, cast, closed, body_key, tmp_path
):
    from django.urls import reverse

    from documents import personal_signing, signatures

    signatures.add_trust_root(None, body_key.root_pem)
    personal_signing.register_certificate(
        cast.chair, cast.chair, body_key.chair.pem.read_bytes()
    )
    minutes = actions.approve_minutes(cast.chair, _draft(cast, closed))
    client.force_login(cast.chair)
    page = client.get(reverse("meetings:minutes", args=[closed.pk]))
    assert "Chuẩn bị ký" in page.content.decode()
    prepared = tmp_path / "prepared.pdf"
    prepared.write_bytes(minutes.pdf.read())
    url = reverse("meetings:minutes_sign", args=[closed.pk, minutes.version])

    # Signed by someone else: refused, nothing changes.
    wrong = tmp_path / "wrong.pdf"
    signing_pki.sign(prepared, wrong, body_key.revoked)
    with wrong.open("rb") as fh:
        client.post(url, {"signed": fh})
    minutes.refresh_from_db()
    assert minutes.sha256 == hashlib.sha256(prepared.read_bytes()).hexdigest()
    assert AuditEvent.objects.filter(action="signature.refused").exists()

    signed = tmp_path / "signed.pdf"
    signing_pki.sign(prepared, signed, body_key.chair)
    with signed.open("rb") as fh:
        response = client.post(url, {"signed": fh})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.sha256 == hashlib.sha256(signed.read_bytes()).hexdigest()
    assert minutes.pdf.read() == signed.read_bytes()
    assert AuditEvent.objects.filter(action="minutes.signed").exists()
    report = signing_pki.pdfsig(signed, None)
    assert report.count("Signature is Valid") == 2


def test_only_the_chair_signs_the_minutes(client, cast, closed, body_key, tmp_path):
    from django.urls import reverse

    minutes = actions.approve_minutes(cast.chair, _draft(cast, closed))
    client.force_login(cast.secretary)
    url = reverse("meetings:minutes_sign", args=[closed.pk, minutes.version])
    with body_key.chair.p12.open("rb") as fh:
        client.post(url, {"pkcs12": fh, "passphrase": body_key.chair.passphrase})
    before = minutes.sha256
    minutes.refresh_from_db()
    assert minutes.sha256 == before
