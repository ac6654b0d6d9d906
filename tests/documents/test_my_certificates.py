"""'Chứng thư số của tôi': users register and remove their own signing
certificates; administrators still can in the admin; everything is audited."""

from __future__ import annotations

import pytest
from cryptography.x509.oid import NameOID
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from documents.models import SignerCertificate
from tests.documents import signing_pki
from tests.documents.conftest import upload_file


@pytest.fixture(scope="module")
def test_pki(tmp_path_factory) -> signing_pki.SigningPki:
    return signing_pki.build(tmp_path_factory.mktemp("pki"))


def _register(client, data: bytes, name: str = "chu-toa.cer"):
    return client.post(
        reverse("my_certificates"), {"upload": upload_file(name, data, "")}
    )


def test_a_user_registers_their_certificate_and_sees_its_details(
    client, cast, test_pki
):
    client.force_login(cast.chair)
    page = client.get(reverse("my_certificates")).content.decode()
    assert "Chứng thư số của tôi" in page and "chưa đăng ký" in page
    response = _register(client, test_pki.chair.pem.read_bytes())
    assert response.status_code == 302
    cert = SignerCertificate.objects.get(user=cast.chair)
    html = client.get(reverse("my_certificates")).content.decode()
    assert "Nguyễn Văn Chủ Tọa" in html
    issuer = test_pki.chair.cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert issuer[0].value in html
    assert cert.serial in html
    # The page shows dates in the server's time zone (Asia/Ho_Chi_Minh), which is
    # a day ahead of UTC from 17:00 UTC on.
    assert timezone.localtime(cert.not_after).strftime("%d/%m/%Y") in html
    event = AuditEvent.objects.get(action="signature.certificate_registered")
    assert event.user == cast.chair


def test_a_certificate_of_another_user_is_refused_and_audited(client, cast, test_pki):
    client.force_login(cast.chair)
    _register(client, test_pki.chair.pem.read_bytes())
    client.force_login(cast.delegate)
    response = _register(client, test_pki.chair.pem.read_bytes())
    assert response.status_code == 400
    assert "đã được đăng ký cho người dùng khác" in response.content.decode()
    assert SignerCertificate.objects.get().user == cast.chair
    event = AuditEvent.objects.get(action="signature.certificate_refused")
    assert event.user == cast.delegate and event.detail["code"] == "taken"


def test_a_file_that_is_not_a_certificate_is_refused(client, cast):
    client.force_login(cast.chair)
    response = _register(client, b"not a certificate", "x.pem")
    assert response.status_code == 400
    assert "không phải là chứng thư số" in response.content.decode()
    assert not SignerCertificate.objects.exists()


def test_removal_is_the_owners_and_audited_others_get_404(client, cast, test_pki):
    client.force_login(cast.chair)
    _register(client, test_pki.chair.pem.read_bytes())
    cert = SignerCertificate.objects.get()
    url = reverse("remove_certificate", args=[cert.pk])
    client.force_login(cast.delegate)
    assert client.post(url).status_code == 404
    assert SignerCertificate.objects.filter(pk=cert.pk).exists()
    client.force_login(cast.chair)
    assert client.post(url).status_code == 302
    assert not SignerCertificate.objects.exists()
    event = AuditEvent.objects.get(action="signature.certificate_removed")
    assert event.user == cast.chair and event.detail["serial"] == cert.serial


def test_the_administrator_registers_and_removes_in_the_admin(client, cast, test_pki):
    client.force_login(cast.admin)
    add = reverse("admin:documents_signercertificate_add")
    data = test_pki.chair.pem.read_bytes()
    response = client.post(
        add, {"user": cast.chair.pk, "upload": upload_file("c.pem", data)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    cert = SignerCertificate.objects.get(user=cast.chair)
    # Refused for another user: a form error, nothing changes.
    response = client.post(
        add, {"user": cast.delegate.pk, "upload": upload_file("c.pem", data)}
    )
    assert "đã được đăng ký cho người dùng khác" in response.content.decode()
    delete = reverse("admin:documents_signercertificate_delete", args=[cert.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not SignerCertificate.objects.exists()
    event = AuditEvent.objects.get(action="signature.certificate_removed")
    assert event.user == cast.admin
