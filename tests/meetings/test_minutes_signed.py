"""Approved minutes are signed (PAdES) with the body's certificate when configured."""

from __future__ import annotations

import hashlib
import json

import pytest

from accounts.models import AuditEvent
from documents import pdf
from meetings import actions
from tests.documents import signing_pki
from tests.meetings import test_minutes as base

closed = base.closed  # the fixture: a closed session
_draft = base._draft


@pytest.fixture
def body_key(settings, tmp_path):
    """The HĐND signs with a key of a test hierarchy (passphrase in a file)."""
    hierarchy = signing_pki.build(tmp_path / "pki")
    secret = tmp_path / "pass.txt"
    secret.write_text(hierarchy.body.passphrase)
    keys = tmp_path / "keys.json"
    entry = {"pkcs12": str(hierarchy.body.p12), "passphrase_file": str(secret)}
    keys.write_text(json.dumps({"default": entry}))
    settings.SIGNING_KEYS_FILE = keys
    settings.SIGNING_TSA_URL = ""
    return hierarchy


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
    [sig] = pdf.verify_signatures(
        out, roots=[body_key.root_pem], crls=[body_key.crl_der]
    )
    assert sig["valid"] and sig["signer"]["name"] == "Văn phòng HĐND tỉnh Sơn La"
    assert AuditEvent.objects.filter(action="signature.signed").exists()
    nss = signing_pki.nss_db(tmp_path, body_key.hierarchy.root.pem)
    report = signing_pki.pdfsig(out, nss)
    assert "Signature is Valid" in report and "Total document signed" in report
    if nss is not None:
        assert "Certificate is Trusted" in report


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
