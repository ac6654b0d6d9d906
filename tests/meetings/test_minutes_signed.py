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


def test_with_a_timestamp_server_minutes_are_signed_pades_b_t(
    client,
    cast,
    closed,
    body_key,
    tmp_path,
    settings,
    django_capture_on_commit_callbacks,
):
    """A timestamp server on loopback: the signature carries its token, whose
    time the panel shows, and pdfsig still reports the signature valid."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    import documents.pdf as pdf
    from documents import signatures
    from documents.actions import create_document
    from tests.documents import tsa
    from tests.documents.conftest import upload_file

    signatures.add_trust_root(None, body_key.root_pem)
    with tsa.serve(body_key.hierarchy, tmp_path / "tsa") as server:
        settings.SIGNING_TSA_URL = server["url"]
        minutes = actions.approve_minutes(cast.chair, _draft(cast, closed))
        assert server["requests"] >= 1
    out = tmp_path / "minutes.pdf"
    out.write_bytes(minutes.pdf.read())
    [sig] = pdf.verify_signatures(out, roots=[body_key.root_pem], crls=[])
    assert sig["valid"] and sig["timestamp_at"], sig
    audit = AuditEvent.objects.get(action="signature.signed")
    assert audit.detail["level"] == "B-T"
    report = signing_pki.pdfsig(
        out, signing_pki.nss_db(tmp_path, body_key.hierarchy.root.pem)
    )
    assert "Signature is Valid" in report and "Total document signed" in report
    with django_capture_on_commit_callbacks(execute=True):
        document = create_document(
            cast.secretary,
            body=cast.hdnd,
            title="Biên bản đã ký",
            uploaded_file=upload_file("bien-ban.pdf", out.read_bytes()),
        )
    client.force_login(cast.secretary)
    html = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    stamped = timezone.localtime(parse_datetime(sig["timestamp_at"]))
    assert "Dấu thời gian" in html
    assert stamped.strftime("%H:%M:%S %d/%m/%Y") in html


def test_a_timestamp_server_that_is_down_refuses_the_approval(
    cast, closed, body_key, settings
):
    """B-T was configured: no silent B-B. The approval is refused with a clear
    message and the failure audited; the minutes stay a draft."""
    import socket

    from meetings.models import MinutesStatus
    from nghisu.errors import ActionError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SIGNING_TSA_URL = f"http://127.0.0.1:{port}/tsa"
    draft = _draft(cast, closed)
    with pytest.raises(ActionError) as err:
        actions.approve_minutes(cast.chair, draft)
    assert err.value.code == "pdf_failed"
    assert "chưa được ký" in err.value.message
    assert "máy chủ dấu thời gian" in err.value.message
    assert err.value.audit["action"] == "signature.failed"
    assert err.value.audit["detail"]["code"] == "timestamp_failed"
    draft.refresh_from_db()
    assert draft.status != MinutesStatus.APPROVED
