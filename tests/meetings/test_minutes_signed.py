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
