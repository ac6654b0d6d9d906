"""The admin pages of agencies and officials go through the actions."""

import pytest
from django.test import Client

from accounts.models import AuditEvent
from oversight.models import Agency, AgencyOfficial

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_an_agency_and_its_official(cast):
    cast.admin.is_staff = True
    cast.admin.save()
    client = Client()
    client.force_login(cast.admin)
    response = client.post(
        "/admin/oversight/agency/add/",
        {
            "unit": cast.province.pk,
            "kind": "so",
            "name": "Sở Xây dựng",
            "short_name": "SXD",
            "officials-TOTAL_FORMS": "0",
            "officials-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    agency = Agency.objects.get(name="Sở Xây dựng")
    response = client.post(
        "/admin/oversight/agencyofficial/add/",
        {"agency": agency.pk, "user": cast.outsider.pk, "title": "Giám đốc"},
    )
    assert response.status_code == 302
    assert AgencyOfficial.objects.get(agency=agency).user == cast.outsider
    assert (
        AuditEvent.objects.filter(action__in=["agency.save", "agency.official"]).count()
        == 2
    )
