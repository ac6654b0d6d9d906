"""Digital signatures: verification of what arrives, keeping the signed original."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

import documents.pdf as pdf
from accounts.models import AuditEvent
from documents import signatures
from documents.models import SignatureStatus
from tests.documents import signing_pki
from tests.documents.test_pages import read_stream

BOX = {"page": 1, "rect": [330, 640, 540, 700]}


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory) -> signing_pki.SigningPki:
    return signing_pki.build(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def plain_pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "plain.pdf"
    pdf.make_demo_pdf(
        path, title="Công văn thử nghiệm", paragraphs=["Nội dung công văn."], pages=2
    )
    return path


@pytest.fixture(scope="session")
def nss(tmp_path_factory, test_pki) -> Path | None:
    return signing_pki.nss_db(
        tmp_path_factory.mktemp("nssdb"), test_pki.hierarchy.root.pem
    )


def _verify(path, test_pki, *, crls=True, roots=None):
    return pdf.verify_signatures(
        path,
        roots=[test_pki.root_pem] if roots is None else roots,
        crls=[test_pki.crl_der] if crls else [],
    )


def test_a_valid_signature_names_the_signer_and_passes_pdfsig(
    tmp_path, test_pki, plain_pdf, nss
):
    out = tmp_path / "signed.pdf"
    signing_pki.sign(plain_pdf, out, test_pki.body, box=BOX, reason="Thử")
    [sig] = _verify(out, test_pki)
    assert sig["valid"] and sig["intact"] and sig["trusted"]
    assert sig["signer"]["name"] == "Văn phòng HĐND tỉnh Sơn La"
    assert sig["signer"]["organisation"] == "HĐND tỉnh Sơn La"
    assert sig["signed_at"] and sig["timestamp_at"] is None
    assert sig["modification"] == "none" and sig["coverage"] == "entire_file"
    assert sig["revocation"] == "good"
    [no_crl] = _verify(out, test_pki, crls=False)
    assert no_crl["valid"] and no_crl["revocation"] == "unknown"
    report = signing_pki.pdfsig(out, nss)
    assert "Signature is Valid" in report and "Total document signed" in report
    if nss is not None:
        assert "Certificate is Trusted" in report


def test_bytes_changed_after_signing_break_the_signature(tmp_path, test_pki, plain_pdf):
    out = tmp_path / "signed.pdf"
    signing_pki.sign(plain_pdf, out, test_pki.body)
    data = bytearray(out.read_bytes())
    # The binary comment on line 2 is inside the signed range and harmless to parse.
    pos = data.index(b"\n%") + 2
    data[pos] ^= 0x01
    out.write_bytes(bytes(data))
    [sig] = _verify(out, test_pki)
    assert not sig["intact"] and not sig["valid"] and "modified" in sig["problems"]


def _edit(src: Path, out: Path, kind: str) -> None:
    pdf.get_pool().call("_edit_incremental", str(src), str(out), kind)


def test_annotations_appended_after_signing_keep_the_signature_valid(
    tmp_path, test_pki, plain_pdf, nss
):
    """A highlight and a sticky note added after signing are "annotations": the
    signature stays valid and the panel says what was added."""
    signed, annotated = tmp_path / "signed.pdf", tmp_path / "annotated.pdf"
    signing_pki.sign(plain_pdf, signed, test_pki.body)
    _edit(signed, annotated, "markup")
    [sig] = _verify(annotated, test_pki)
    assert sig["intact"] and sig["coverage"] == "revision"
    assert sig["modification"] == "annotations"
    assert sig["valid"] and sig["problems"] == []
    rows = signatures.describe([sig])
    assert "chú thích" in rows[0]["modification"]
    # pyHanko's own sticky note writer (an inline /Annots array) too.
    noted = tmp_path / "noted.pdf"
    pdf.get_pool().call("_annotate_incremental", str(signed), str(noted))
    [sig] = _verify(noted, test_pki)
    assert sig["modification"] == "annotations" and sig["valid"]
    report = signing_pki.pdfsig(annotated, nss)
    assert "Signature is Valid" in report


@pytest.mark.parametrize("kind", ["content", "change_annot", "remove_annot"])
def test_other_changes_after_signing_stay_invalid(tmp_path, test_pki, plain_pdf, kind):
    """Page content changed, or an annotation present at signing changed or
    removed: "other", the signature is invalid."""
    marked, signed = tmp_path / "marked.pdf", tmp_path / "signed.pdf"
    _edit(plain_pdf, marked, "markup")
    signing_pki.sign(marked, signed, test_pki.body)
    [before] = _verify(signed, test_pki)
    assert before["valid"] and before["modification"] == "none"
    changed = tmp_path / "changed.pdf"
    _edit(signed, changed, kind)
    [sig] = _verify(changed, test_pki)
    assert sig["intact"] and sig["modification"] == "other"
    assert not sig["valid"] and "changed_after" in sig["problems"]


@pytest.mark.parametrize(
    ("who", "problem"),
    [("expired", "expired"), ("revoked", "revoked"), ("stranger", "untrusted")],
)
def test_expired_revoked_and_untrusted_certificates_are_invalid(
    tmp_path, test_pki, plain_pdf, who, problem
):
    out = tmp_path / "signed.pdf"
    signing_pki.sign(plain_pdf, out, getattr(test_pki, who))
    [sig] = _verify(out, test_pki)
    assert sig["intact"] and not sig["valid"]
    assert problem in sig["problems"]
    assert signatures.verdict([sig]) == SignatureStatus.INVALID


def test_two_signatures_are_both_listed(tmp_path, test_pki, plain_pdf, nss):
    first, second = tmp_path / "one.pdf", tmp_path / "two.pdf"
    signing_pki.sign(plain_pdf, first, test_pki.body, box=BOX)
    signing_pki.sign(first, second, test_pki.chair)
    results = _verify(second, test_pki)
    assert [r["signer"]["name"] for r in results] == [
        "Văn phòng HĐND tỉnh Sơn La",
        "Nguyễn Văn Chủ Tọa",
    ]
    assert all(r["valid"] for r in results)
    assert results[0]["modification"] in ("none", "form")
    report = signing_pki.pdfsig(second, nss)
    assert report.count("Signature is Valid") == 2


def test_an_upload_back_must_be_the_prepared_file_plus_a_signature(
    tmp_path, test_pki, plain_pdf
):
    prepared, uploaded = tmp_path / "prepared.pdf", tmp_path / "uploaded.pdf"
    signing_pki.sign(plain_pdf, prepared, test_pki.body, box=BOX)
    signing_pki.sign(prepared, uploaded, test_pki.chair)
    added = pdf.check_signature_addition(prepared, uploaded)
    assert added["signer"]["name"] == "Nguyễn Văn Chủ Tọa"
    with pytest.raises(pdf.PdfError) as err:
        pdf.check_signature_addition(plain_pdf, prepared.with_name("x.pdf"))
    assert err.value.code == "not_found"
    other = tmp_path / "other.pdf"
    signing_pki.sign(plain_pdf, other, test_pki.body)
    with pytest.raises(pdf.PdfError) as err:
        pdf.check_signature_addition(other, uploaded)
    assert err.value.code == "not_prepared"


# --- through the pipeline ---------------------------------------------------------


@pytest.fixture
def trusted(db, test_pki):
    signatures.add_trust_root(None, test_pki.root_pem, name="CA gốc thử nghiệm")
    signatures.add_crl(None, test_pki.crl_der)


def test_a_signed_upload_keeps_its_signature_through_pages_and_download(
    client, cast, make_document, trusted, tmp_path, test_pki, plain_pdf, nss
):
    signed = tmp_path / "signed.pdf"
    signing_pki.sign(plain_pdf, signed, test_pki.body, box=BOX)
    original = signed.read_bytes()
    document = make_document(cast.secretary, body=cast.hdnd, data=original)
    version = document.latest_version
    assert version.is_ready and version.page_count == 2
    assert version.signature_status == SignatureStatus.VALID
    assert AuditEvent.objects.filter(action="document.signatures_verified").exists()
    client.force_login(cast.secretary)
    listing = client.get(reverse("documents:list")).content.decode()
    assert "Đã ký số" in listing
    detail = client.get(reverse("documents:detail", args=[document.pk]))
    html = detail.content.decode()
    assert "Văn phòng HĐND tỉnh Sơn La" in html and "Nguyên vẹn" in html
    page = client.get(reverse("documents:page", args=[document.pk, 1, 1]) + "?w=400")
    assert page.status_code == 200
    response = client.get(reverse("documents:download", args=[document.pk, 1]))
    data = read_stream(response)
    assert data == original
    out = tmp_path / "downloaded.pdf"
    out.write_bytes(data)
    assert "Signature is Valid" in signing_pki.pdfsig(out, nss)


def test_an_annotated_signed_upload_says_so_in_its_badge(
    client, cast, make_document, trusted, tmp_path, test_pki, plain_pdf
):
    signed, annotated = tmp_path / "signed.pdf", tmp_path / "annotated.pdf"
    signing_pki.sign(plain_pdf, signed, test_pki.body, box=BOX)
    _edit(signed, annotated, "markup")
    document = make_document(
        cast.secretary, body=cast.hdnd, data=annotated.read_bytes()
    )
    version = document.latest_version
    assert version.signature_status == SignatureStatus.VALID
    assert version.annotated_after_signing
    client.force_login(cast.secretary)
    html = client.get(reverse("documents:detail", args=[document.pk])).content
    assert "Đã ký số, có thêm ghi chú sau khi ký" in html.decode()


def test_a_signature_of_an_unknown_root_turns_valid_when_the_root_is_installed(
    cast,
    make_document,
    tmp_path,
    test_pki,
    plain_pdf,
    django_capture_on_commit_callbacks,
):
    signed = tmp_path / "signed.pdf"
    signing_pki.sign(plain_pdf, signed, test_pki.body)
    document = make_document(cast.secretary, body=cast.hdnd, data=signed.read_bytes())
    version = document.latest_version
    assert version.signature_status == SignatureStatus.INVALID
    assert "untrusted" in version.signatures[0]["problems"]
    with django_capture_on_commit_callbacks(execute=True):
        signatures.add_trust_root(cast.admin, test_pki.root_pem)
    version.refresh_from_db()
    assert version.signature_status == SignatureStatus.VALID
    assert AuditEvent.objects.filter(action="signatures.trust_root_added").exists()


def test_a_signed_file_with_active_content_is_withheld_with_the_reason(
    client, cast, make_document, trusted, tmp_path, test_pki
):
    from tests.documents import pdf_builders as B

    src, signed = tmp_path / "active.pdf", tmp_path / "signed.pdf"
    src.write_bytes(B.active_pdf())
    signing_pki.sign(src, signed, test_pki.body)
    document = make_document(cast.secretary, body=cast.hdnd, data=signed.read_bytes())
    assert document.latest_version.signatures
    client.force_login(cast.secretary)
    response = client.get(reverse("documents:download", args=[document.pk, 1]))
    assert response.status_code == 422
    assert "chữ ký số" in response.content.decode()


# --- personal signatures (upload back, one-off PKCS#12) -----------------------------


@pytest.fixture
def chair_cert(cast, trusted, test_pki):
    from documents import personal_signing

    return personal_signing.register_certificate(
        cast.chair, cast.chair, test_pki.chair.pem.read_bytes()
    )


@pytest.fixture
def prepared(tmp_path, test_pki, plain_pdf) -> Path:
    path = tmp_path / "prepared.pdf"
    signing_pki.sign(plain_pdf, path, test_pki.body, box=BOX)
    return path


def test_the_chairs_upload_back_is_accepted_and_audited(
    cast, chair_cert, prepared, tmp_path, test_pki
):
    from documents import personal_signing

    uploaded = tmp_path / "uploaded.pdf"
    signing_pki.sign(prepared, uploaded, test_pki.chair)
    result = personal_signing.accept_signed_upload(
        cast.chair, prepared=prepared, uploaded=uploaded.read_bytes(), obj=cast.hdnd
    )
    assert result["valid"] and result["signer"]["name"] == "Nguyễn Văn Chủ Tọa"
    assert AuditEvent.objects.filter(action="signature.personal_accepted").exists()


def test_an_upload_signed_by_someone_else_is_refused_and_audited(
    cast, chair_cert, prepared, tmp_path, test_pki
):
    from documents import personal_signing
    from nghisu.errors import ActionError

    uploaded = tmp_path / "uploaded.pdf"
    signing_pki.sign(prepared, uploaded, test_pki.revoked)
    with pytest.raises(ActionError) as err:
        personal_signing.accept_signed_upload(
            cast.chair, prepared=prepared, uploaded=uploaded.read_bytes(), obj=cast.hdnd
        )
    assert err.value.code == "wrong_signer"
    assert "Người Bị Thu Hồi" in err.value.message
    refused = AuditEvent.objects.get(action="signature.refused")
    assert refused.detail["code"] == "wrong_signer"


def test_a_changed_upload_is_refused(cast, chair_cert, prepared, tmp_path, test_pki):
    from documents import personal_signing
    from nghisu.errors import ActionError

    other = tmp_path / "other.pdf"
    pdf.make_demo_pdf(other, title="Khác", paragraphs=["Đã sửa"], pages=1)
    uploaded = tmp_path / "uploaded.pdf"
    signing_pki.sign(other, uploaded, test_pki.chair)
    with pytest.raises(ActionError) as err:
        personal_signing.accept_signed_upload(
            cast.chair, prepared=prepared, uploaded=uploaded.read_bytes(), obj=cast.hdnd
        )
    assert err.value.code == "not_prepared"


def test_a_one_off_pkcs12_signs_for_its_registered_owner_only(
    cast, chair_cert, prepared, test_pki
):
    from documents import personal_signing
    from nghisu.errors import ActionError

    data = personal_signing.sign_with_pkcs12(
        cast.chair,
        path=prepared,
        pkcs12_data=test_pki.chair.p12.read_bytes(),
        passphrase=test_pki.chair.passphrase,
        obj=cast.hdnd,
    )
    assert data.startswith(prepared.read_bytes())
    with pytest.raises(ActionError) as err:
        personal_signing.sign_with_pkcs12(
            cast.delegate,
            path=prepared,
            pkcs12_data=test_pki.chair.p12.read_bytes(),
            passphrase=test_pki.chair.passphrase,
            obj=cast.hdnd,
        )
    assert err.value.code == "wrong_signer"
    with pytest.raises(ActionError) as err:
        personal_signing.sign_with_pkcs12(
            cast.chair,
            path=prepared,
            pkcs12_data=test_pki.chair.p12.read_bytes(),
            passphrase="sai",
            obj=cast.hdnd,
        )
    assert err.value.code == "bad_pkcs12"
