"""The home page, the bodies and their members, admin pages and the source offer."""

import io
import tarfile

import pytest

from accounts import actions
from accounts.models import (
    AuditEvent,
    Body,
    Membership,
    Position,
    Unit,
    UnitLevel,
    User,
)


def test_home_lists_my_bodies_and_honest_empty_states(client, cast):
    client.force_login(cast.delegate)
    html = client.get("/").content.decode()
    assert "HĐND tỉnh Sơn La" in html
    assert "Bạn chưa có cuộc họp nào sắp tới." in html


def test_a_body_page_lists_current_members_with_positions(client, cast):
    client.force_login(cast.outsider)
    response = client.get(f"/bodies/{cast.hdnd.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Nguyễn Thái Hưng") < html.index("Cầm Văn Đông")
    assert "Chủ tịch" in html and "Thư ký" in html
    assert "Tổng số 3 thành viên" in html


def test_an_unknown_body_is_a_vietnamese_404(client, cast):
    client.force_login(cast.delegate)
    response = client.get("/bodies/999999/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


def _grow(cast, n: int) -> None:
    for i in range(n):
        user = actions.create_user(
            f"extra{i}", full_name=f"Đại biểu {i}", password=None
        )
        actions.add_membership(cast.hdnd, user, position=Position.MEMBER)


@pytest.mark.parametrize("extra", [0, 30])
def test_body_pages_cost_a_fixed_number_of_queries(
    client, cast, extra, django_assert_num_queries
):
    _grow(cast, extra)
    client.force_login(cast.delegate)
    client.get("/")  # the idle-session refresh writes once per five minutes
    # session + user, then: body, members, member count (detail) / units, bodies
    # (list); every page also counts the bell's unread notifications (base.html).
    # Home: memberships, meetings (2), consultations awaiting me, my tasks.
    with django_assert_num_queries(6):
        assert client.get(f"/bodies/{cast.hdnd.pk}/").status_code == 200
    with django_assert_num_queries(5):
        assert client.get("/bodies/").status_code == 200
    with django_assert_num_queries(8):
        assert client.get("/").status_code == 200


def test_every_admin_page_loads(client, cast):
    client.force_login(cast.admin)
    membership = Membership.objects.first()
    event = actions.record_audit(cast.admin, "test.event", cast.hdnd)
    pages = ["/admin/"]
    for model, obj in [
        (User, cast.delegate),
        (Unit, cast.province),
        (UnitLevel, cast.province.level),
        (Body, cast.hdnd),
        (Membership, membership),
        (AuditEvent, event),
    ]:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, f"{base}{obj.pk}/change/"]
        if model is not AuditEvent:
            pages.append(f"{base}add/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Quản trị Nghị Sự" in client.get("/admin/").content.decode()


def test_admin_search_ignores_diacritics(client, cast):
    client.force_login(cast.admin)
    html = client.get("/admin/accounts/user/?q=cam+van+dong").content.decode()
    assert "Cầm Văn Đông" in html and "Lò Thị Hường" not in html
    html = client.get("/admin/accounts/body/?q=hdnd+tinh").content.decode()
    assert "HĐND tỉnh Sơn La" in html


def test_the_audit_trail_cannot_be_edited_or_deleted(client, cast):
    event = actions.record_audit(cast.admin, "test.event", cast.hdnd)
    client.force_login(cast.admin)
    url = f"/admin/accounts/auditevent/{event.pk}/"
    assert client.post(f"{url}change/", {"action": "x"}).status_code == 403
    assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    event.action = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_admin_refuses_an_overlapping_membership(client, cast):
    client.force_login(cast.admin)
    before = Membership.objects.count()
    response = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": cast.delegate.pk,
            "body": cast.hdnd.pk,
            "position": "member",
            "start_date": "01/01/2024",
        },
    )
    assert response.status_code == 200
    assert "đã là thành viên" in response.content.decode()
    assert Membership.objects.count() == before


def test_the_source_is_offered_from_the_server(client, db):
    response = client.get("/source/")
    assert response.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(response.content)) as archive:
        names = archive.getnames()
    assert "nghisu/LICENSE" in names and "nghisu/nghisu/settings.py" in names
    assert not any(
        "/.venv/" in n or "/var/" in n or n.endswith(".sqlite3") for n in names
    )
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/source/"' in page and "AGPL" in page
