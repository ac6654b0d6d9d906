"""Registering an official from the agency's page: the Standing Committee
finds the person by name (without diacritics) and registers them; outsiders
learn nothing; bad or repeated choices change nothing and say why. The
oversight page lists the agencies each manager administers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.actions import create_user
from accounts.models import AuditEvent
from oversight import queries
from oversight.models import AgencyOfficial

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def deputy(cast):
    return create_user("phogiamdocyte", full_name="Lò Thị Ánh", password="pw-Test-123!")


def test_the_secretary_finds_a_person_without_diacritics_and_registers_them(
    cast, agencies, deputy
):
    page = reverse("oversight:agency_detail", args=[agencies.health.pk])
    secretary = _client(cast.secretary)
    found = secretary.get(page, {"q": "lo thi anh"})
    assert found.status_code == 200
    assert "Lò Thị Ánh" in found.text and "Đăng ký người trả lời" in found.text
    # The current official is not offered again.
    assert f'value="{agencies.health_director.pk}"' not in found.text

    done = secretary.post(
        reverse("oversight:official_register", args=[agencies.health.pk]),
        {"user": deputy.pk, "title": "Phó Giám đốc Sở Y tế"},
        follow=True,
    )
    assert "Đã đăng ký Lò Thị Ánh trả lời cho Sở Y tế." in done.text
    seat = AgencyOfficial.objects.get(agency=agencies.health, user=deputy, active=True)
    assert seat.title == "Phó Giám đốc Sở Y tế"
    assert AuditEvent.objects.filter(
        action="agency.official", user=cast.secretary
    ).exists()
    # The new official now sees the agency's questions list on their page.
    assert agencies.health.pk in queries.official_agency_ids(deputy)


def test_outsiders_learn_nothing_and_register_nobody(cast, agencies, deputy):
    page = reverse("oversight:agency_detail", args=[agencies.health.pk])
    register = reverse("oversight:official_register", args=[agencies.health.pk])
    for outsider in (cast.delegate, agencies.health_director):
        client = _client(outsider)
        assert client.get(page, {"q": "lo thi anh"}).status_code == 404
        assert client.post(register, {"user": outsider.pk}).status_code == 404
    missing = reverse("oversight:official_register", args=[999_999])
    assert _client(cast.secretary).post(missing, {"user": deputy.pk}).status_code == 404
    assert not AgencyOfficial.objects.filter(user__in=[deputy, cast.delegate]).exists()


@pytest.mark.parametrize(
    "form, message",
    [
        ({}, "Vui lòng chọn người cần đăng ký."),
        ({"user": "abc"}, "Vui lòng chọn người cần đăng ký."),
        ({"user": "999999"}, "Vui lòng chọn người cần đăng ký."),
        ({"user": "DIRECTOR"}, "Bạc Cầm Yên đang là người trả lời của cơ quan này."),
        ({"user": "DEPUTY", "title": "x" * 201}, "Chức vụ dài quá 200 ký tự."),
    ],
)
def test_a_bad_or_repeated_choice_changes_nothing_and_says_why(
    cast, agencies, deputy, form, message
):
    form = {
        key: {"DIRECTOR": agencies.health_director.pk, "DEPUTY": deputy.pk}.get(
            value, value
        )
        for key, value in form.items()
    }
    before = AgencyOfficial.objects.count()
    audits = AuditEvent.objects.count()
    answer = _client(cast.secretary).post(
        reverse("oversight:official_register", args=[agencies.health.pk]),
        form,
        follow=True,
    )
    assert answer.status_code == 200
    assert message in answer.text
    assert AgencyOfficial.objects.count() == before
    assert AuditEvent.objects.count() == audits


def test_the_search_costs_a_fixed_number_of_queries(cast, agencies):
    for n in range(12):
        create_user(f"lo{n}", full_name=f"Lò Văn Tìm {n}", password="pw-Test-123!")
    secretary = _client(cast.secretary)
    page = reverse("oversight:agency_detail", args=[agencies.health.pk])
    secretary.get(page, {"q": "lo van tim"})  # session, caches
    with CaptureQueriesContext(connection) as few:
        answer = secretary.get(page, {"q": "lo van tim"})
    assert answer.text.count('name="user"') == 10  # the first ten, by name
    with CaptureQueriesContext(connection) as none:
        secretary.get(page)
    assert len(few) == len(none) + 1


def test_the_oversight_page_lists_the_agencies_a_manager_administers(cast, agencies):
    index = reverse("oversight:index")
    page = _client(cast.secretary).get(index)
    assert "Cơ quan trả lời chất vấn, kiến nghị" in page.text
    for agency in (agencies.health, agencies.education):
        assert reverse("oversight:agency_detail", args=[agency.pk]) in page.text
    assert "Người trả lời: 1" in page.text
    # A delegate administers none: no such list.
    assert (
        "Cơ quan trả lời chất vấn, kiến nghị"
        not in _client(cast.delegate).get(index).text
    )


def test_the_action_refuses_someone_already_answering_for_the_agency(cast, agencies):
    from nghisu.errors import ActionError
    from oversight import actions

    audits = AuditEvent.objects.count()
    with pytest.raises(ActionError) as refused:
        actions.register_official(
            cast.secretary, agencies.health, agencies.health_director, title="Khác"
        )
    assert refused.value.code == "duplicate"
    assert AgencyOfficial.objects.filter(agency=agencies.health).count() == 1
    assert AuditEvent.objects.count() == audits
