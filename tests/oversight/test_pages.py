"""Pages: what each person sees, 404 elsewhere, fixed query counts, the
import page, the reports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from oversight import actions
from tests.oversight.conftest import in_days
from tests.oversight.test_petitions import ROWS, _xlsx

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _question(cast, agencies, session, n=1, **kw):
    return [
        actions.submit_question(
            cast.delegate,
            session,
            agency=kw.get("agency", agencies.health),
            topic=f"Y tế {i}",
            text="Vì sao thiếu thuốc?",
        )
        for i in range(n)
    ]


def _petitions(cast, period, agencies, n=1):
    return actions.create_petitions(
        cast.secretary,
        period,
        [
            {
                "text": f"Kiến nghị {i}",
                "agency": agencies.health,
                "places": [actions.PlaceInput(f"Xã {i}")],
            }
            for i in range(n)
        ],
    )


def test_an_official_sees_only_their_agency(cast, agencies, session, period):
    question = _question(cast, agencies, session)[0]
    petition = _petitions(cast, period, agencies)[0]
    health = client_for(agencies.health_director)
    page = health.get(reverse("oversight:index"))
    assert (
        page.status_code == 200 and "Y tế 0" in page.text and "Kiến nghị 0" in page.text
    )
    assert (
        health.get(reverse("oversight:question_detail", args=[question.pk])).status_code
        == 200
    )
    assert (
        health.get(reverse("oversight:petition_detail", args=[petition.pk])).status_code
        == 200
    )
    # Elsewhere: the session's list, the register, the meeting, reports: 404.
    for url in (
        reverse("oversight:meeting_questions", args=[session.pk]),
        reverse("oversight:period_detail", args=[period.pk]),
        reverse("oversight:questions_xlsx", args=[session.pk]),
        reverse("meetings:detail", args=[session.pk]),
    ):
        assert health.get(url).status_code == 404, url
    other = client_for(agencies.education_director)
    assert (
        other.get(reverse("oversight:question_detail", args=[question.pk])).status_code
        == 404
    )
    assert (
        other.get(reverse("oversight:petition_detail", args=[petition.pk])).status_code
        == 404
    )
    page = other.get(reverse("oversight:index"))
    assert "Y tế 0" not in page.text and "Kiến nghị 0" not in page.text


def test_outsiders_get_404_and_cannot_post(cast, agencies, session, period):
    question = _question(cast, agencies, session)[0]
    petition = _petitions(cast, period, agencies)[0]
    outsider = client_for(cast.outsider)
    for url in (
        reverse("oversight:meeting_questions", args=[session.pk]),
        reverse("oversight:question_detail", args=[question.pk]),
        reverse("oversight:period_detail", args=[period.pk]),
        reverse("oversight:petition_detail", args=[petition.pk]),
        reverse("oversight:petitions_pdf", args=[period.pk]),
    ):
        assert outsider.get(url).status_code == 404, url
    response = outsider.post(
        reverse("oversight:question_new", args=[session.pk]),
        {"agency": agencies.health.pk, "topic": "x", "text": "y"},
    )
    assert response.status_code == 404
    # A delegate may read the register but not forward from it.
    delegate = client_for(cast.delegate)
    response = delegate.post(
        reverse("oversight:petition_forward", args=[period.pk]),
        {"petitions": [petition.pk], "due": in_days(5).isoformat()},
        follow=True,
    )
    assert "Chỉ chủ tịch hoặc thư ký" in response.text
    petition.refresh_from_db()
    assert petition.assignment_id is None


def test_the_session_list_costs_a_fixed_number_of_queries(
    cast, agencies, session, django_assert_max_num_queries
):
    _question(cast, agencies, session, n=2)
    client = client_for(cast.secretary)
    url = reverse("oversight:meeting_questions", args=[session.pk])
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        assert client.get(url).status_code == 200
    _question(cast, agencies, session, n=12, agency=agencies.education)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.text.count("Vì sao thiếu thuốc?") == 14


def test_the_register_costs_a_fixed_number_of_queries(
    cast, agencies, period, django_assert_max_num_queries
):
    _petitions(cast, period, agencies, n=2)
    client = client_for(cast.secretary)
    url = reverse("oversight:period_detail", args=[period.pk])
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    _petitions(cast, period, agencies, n=20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        assert client.get(url, {"q": "kien nghi 1"}).status_code == 200


def test_the_public_page_costs_a_fixed_number_of_queries(
    cast, agencies, period, django_assert_max_num_queries
):
    rows = _petitions(cast, period, agencies, n=3)
    actions.forward_petitions(cast.secretary, rows, due=in_days(5))
    for row in rows:
        row.refresh_from_db()
        actions.answer_petition(
            agencies.health_director, row, text="Đã giải quyết xong."
        )
        actions.set_petition_public(cast.secretary, row, public=True)
    client = client_for(cast.outsider)  # every signed-in user
    url = reverse("oversight:public")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.text.count("Đã giải quyết xong.") == 3


def test_the_import_page_lists_bad_rows_and_imports_nothing(cast, agencies, period):
    client = client_for(cast.secretary)
    url = reverse("oversight:petition_import", args=[period.pk])
    response = client.post(url, {"file": _xlsx(ROWS)})
    assert response.status_code == 422
    assert "Dòng 3: Thiếu nội dung kiến nghị." in response.text
    assert not period.petitions.exists()
    response = client.post(url, {"file": _xlsx(ROWS), "import_good": "1"}, follow=True)
    assert "Đã nhập 2 kiến nghị; bỏ qua 4 dòng lỗi." in response.text


def test_reports_as_excel(cast, agencies, session, period):
    import io

    from openpyxl import load_workbook

    _question(cast, agencies, session, n=2)
    _petitions(cast, period, agencies, n=3)
    client = client_for(cast.secretary)
    data = client.get(reverse("oversight:questions_xlsx", args=[session.pk])).content
    sheet = load_workbook(io.BytesIO(data)).active
    assert (
        sheet["B3"].value == "Đại biểu chất vấn" and sheet["B4"].value == "Cầm Văn Đông"
    )
    data = client.get(reverse("oversight:petitions_xlsx", args=[period.pk])).content
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 6 and sheet["F4"].value == "Chưa chuyển"


def test_the_questions_report_pdf_is_in_the_national_format(
    cast, agencies, session, tmp_path
):
    import subprocess

    _question(cast, agencies, session, n=2)
    client = client_for(cast.secretary)
    response = client.get(reverse("oversight:questions_pdf", args=[session.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    flat = " ".join(text.split())
    assert "BÁO CÁO KẾT QUẢ CHẤT VẤN" in flat and "Cầm Văn Đông" in flat


def test_the_officials_page_costs_a_fixed_number_of_queries(
    cast, agencies, session, period, django_assert_max_num_queries
):
    _question(cast, agencies, session, n=2)
    rows = _petitions(cast, period, agencies, n=2)
    actions.forward_petitions(cast.secretary, rows, due=in_days(5))
    client = client_for(agencies.health_director)
    url = reverse("oversight:index")
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        assert client.get(url).status_code == 200
    _question(cast, agencies, session, n=10)
    more = _petitions(cast, period, agencies, n=10)
    actions.forward_petitions(cast.secretary, more, due=in_days(5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.text.count("Y tế ") >= 12


def test_a_merged_question_lists_every_asker(cast, agencies, session):
    first, second = (
        actions.submit_question(
            who, session, agency=agencies.health, topic="Y tế", text="Thiếu thuốc."
        )
        for who in (cast.delegate, cast.delegate2)
    )
    actions.merge_questions(cast.secretary, first, [second])
    page = client_for(cast.delegate).get(
        reverse("oversight:meeting_questions", args=[session.pk])
    )
    assert "Cầm Văn Đông</strong>, <strong>Quàng Thị Ánh" in page.text
