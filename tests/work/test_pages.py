"""The work pages through the test client: permissions (404, never 403), the
answer form, the report download, the dashboard and its Excel export, the home
page, e-mail choices, the bell; query counts at two sizes."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.work.conftest import later
from work import actions
from work.models import Assignment, ConsultationRecipient, EmailPreference


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- consultations ------------------------------------------------------------------
def test_recipients_and_managers_see_a_consultation_others_get_404(
    client, cast, consultation
):
    url = reverse("work:consultation_detail", args=[consultation.pk])
    for user in (cast.chair, cast.secretary, cast.delegate, cast.delegate2):
        assert _get(client, user, url).status_code == 200, user
    for user in (cast.outsider, cast.ubnd_chair, cast.admin):
        assert _get(client, user, url).status_code == 404, user
    assert (
        _get(client, cast.chair, url.replace(str(consultation.pk), "999")).status_code
        == 404
    )


def test_answers_are_shown_to_managers_and_to_members_only_after_closing(
    client, cast, consultation, django_capture_on_commit_callbacks
):
    actions.answer_consultation(
        cast.delegate, consultation, opinion="disagree", comment="Chưa rõ nguồn vốn"
    )
    url = reverse("work:consultation_detail", args=[consultation.pk])
    assert "Chưa rõ nguồn vốn" in _get(client, cast.secretary, url).content.decode()
    page = _get(client, cast.delegate2, url).content.decode()
    assert "Chưa rõ nguồn vốn" not in page
    assert "công khai sau khi kết thúc" in page
    report = reverse("work:consultation_report", args=[consultation.pk])
    assert _get(client, cast.delegate2, report).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_consultation(cast.chair, consultation)
    assert "Chưa rõ nguồn vốn" in _get(client, cast.delegate2, url).content.decode()
    response = _get(client, cast.delegate2, report)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert _get(client, cast.outsider, report).status_code == 404


def test_answering_through_htmx_returns_the_card_and_refusals_change_nothing(
    client, cast, consultation
):
    client.force_login(cast.delegate)
    url = reverse("work:consultation_answer", args=[consultation.pk])
    response = client.post(
        url, {"opinion": "agree", "comment": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Đã ghi nhận ý kiến" in response.content.decode()
    seat = ConsultationRecipient.objects.get(
        consultation=consultation, user=cast.delegate
    )
    assert seat.opinion == "agree"
    response = client.post(url, {"opinion": "other"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Vui lòng ghi rõ ý kiến khác" in response.content.decode()
    seat.refresh_from_db()
    assert seat.opinion == "agree"
    client.force_login(cast.outsider)
    assert client.post(url, {"opinion": "agree"}).status_code == 404


def test_the_chair_sends_a_consultation_through_the_form(client, cast):
    client.force_login(cast.chair)
    url = reverse("work:consultation_new", args=[cast.hdnd.pk])
    page = client.get(url)
    assert page.status_code == 200
    members = page.context["form"].fields["recipients"].queryset
    deadline = (timezone.localtime() + datetime.timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    token = page.context["form"].initial["client_token"]
    data = {
        "title": "Dự thảo Kế hoạch",
        "question": "Xin ý kiến",
        "deadline": deadline,
        "recipients": [m.pk for m in members],
        "client_token": token,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    client.post(url, data)  # submitted twice: harmless
    from work.models import Consultation

    assert Consultation.objects.count() == 1
    past = dict(data, deadline="2020-01-01T08:00", client_token="")
    response = client.post(url, past)
    assert response.status_code == 422
    assert "Hạn trả lời phải ở tương lai" in response.content.decode()
    assert Consultation.objects.count() == 1
    client.force_login(cast.delegate)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("size", [1, 6])
def test_consultation_pages_cost_a_fixed_number_of_queries(
    client, cast, django_assert_num_queries, size
):
    for n in range(size):
        c = actions.send_consultation(
            cast.chair, body=cast.hdnd, title=f"Vấn đề {n}", deadline=later()
        )
        actions.answer_consultation(cast.delegate, c, opinion="agree", comment="Đồng ý")
    client.force_login(cast.chair)
    client.get(reverse("work:index"))  # warm the session
    with django_assert_num_queries(8):
        assert client.get(reverse("work:index")).status_code == 200
    with django_assert_num_queries(8):
        client.get(reverse("work:consultation_detail", args=[c.pk]))


# --- assignments and the dashboard --------------------------------------------------
@pytest.fixture
def board(cast, conclusion):
    """Tasks of HĐND tỉnh in every state."""
    today = timezone.localdate()
    make = lambda title, days, **who: actions.create_assignment(  # noqa: E731
        cast.chair,
        body=cast.hdnd,
        title=title,
        deadline=today + datetime.timedelta(days=days),
        conclusion=conclusion,
        **(who or {"assignee_user": cast.ubnd_member}),
    )
    new = make("Nhiệm vụ mới", 10)
    late = make("Nhiệm vụ quá hạn về giải ngân", 5, assignee_body=cast.ubnd)
    Assignment.objects.filter(pk=late.pk).update(
        deadline=today - datetime.timedelta(days=3)
    )
    done = make("Nhiệm vụ đã xong", 4)
    actions.submit_done(cast.ubnd_member, done, text="Xong")
    actions.accept_assignment(cast.chair, done)
    waiting = make("Nhiệm vụ chờ nghiệm thu", 4)
    actions.submit_done(cast.ubnd_member, waiting, text="Xong")
    return {"new": new, "late": late, "done": done, "waiting": waiting}


def test_the_dashboard_counts_lists_overdue_and_draws_the_chart(client, cast, board):
    response = _get(client, cast.delegate, reverse("work:board", args=[cast.hdnd.pk]))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts["total"], counts["new"], counts["overdue"]) == (4, 1, 1)
    assert (counts["completed"], counts["awaiting_acceptance"]) == (1, 1)
    assert [a.pk for a in response.context["overdue"]] == [board["late"].pk]
    page = response.content.decode()
    assert "<svg" in page and 'class="on-time"' in page
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org", ""
    )


def test_the_dashboard_is_for_the_body_s_members(client, cast, board):
    url = reverse("work:board", args=[cast.hdnd.pk])
    assert _get(client, cast.outsider, url).status_code == 404
    assert _get(client, cast.ubnd_member, url).status_code == 404
    export = reverse("work:board_export", args=[cast.hdnd.pk])
    assert _get(client, cast.outsider, export).status_code == 404


def test_the_excel_export_holds_the_filtered_rows(client, cast, board):
    from openpyxl import load_workbook

    url = reverse("work:board_export", args=[cast.hdnd.pk])
    response = _get(client, cast.secretary, url + "?status=overdue")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[1], r[2], r[4]) for r in rows] == [
        ("Nhiệm vụ quá hạn về giải ngân", "UBND tỉnh Sơn La", "Quá hạn")
    ]
    assert rows[0][3] == board["late"].deadline.replace() or rows[0][3].date() == (
        timezone.localdate() - datetime.timedelta(days=3)
    )
    response = _get(client, cast.secretary, url + "?q=nghiem+thu")
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = [r[1] for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]
    assert titles == ["Nhiệm vụ chờ nghiệm thu"]
    response = _get(client, cast.secretary, url)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert len([r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]) == 4


@pytest.mark.parametrize("viewer", ["chair", "newcomer"])
@pytest.mark.parametrize("extra", [0, 8])
def test_the_dashboard_costs_a_fixed_number_of_queries(
    client, cast, board, conclusion, newcomer, django_assert_num_queries, extra, viewer
):
    for n in range(extra):
        actions.create_assignment(
            cast.chair,
            body=cast.hdnd,
            title=f"Thêm {n}",
            deadline=timezone.localdate() + datetime.timedelta(days=n),
            assignee_unit=cast.province,
            conclusion=conclusion if n % 2 else None,
        )
    # Whether the viewer may see the tasks' meeting is part of the same queries.
    client.force_login(newcomer if viewer == "newcomer" else cast.chair)
    url = reverse("work:board", args=[cast.hdnd.pk])
    client.get(url)
    with django_assert_num_queries(10):
        client.get(url)
    with django_assert_num_queries(8):
        client.get(reverse("work:assignment_detail", args=[board["done"].pk]))


@pytest.fixture
def newcomer(cast):
    """A member of HĐND tỉnh who joined after the meeting's invitations: may see
    the body's tasks, not the meeting they came from."""
    from accounts import actions as account_actions

    user = account_actions.create_user(
        "daibieu09", full_name="Lường Văn Mới", password="pw-Test-123!"
    )
    account_actions.add_membership(
        cast.hdnd, user, position="member", start_date=datetime.date(2021, 7, 1)
    )
    return user


def _meeting_secrets(conclusion) -> list[str]:
    return [conclusion.meeting.title, conclusion.item.title, conclusion.text]


def test_a_task_shows_its_meeting_only_to_who_may_see_the_meeting(
    client, cast, board, conclusion, newcomer, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    from work.models import Notification

    secrets = _meeting_secrets(conclusion)
    meeting = conclusion.meeting
    task = board["late"]  # overdue, assigned to UBND tỉnh
    detail = reverse("work:assignment_detail", args=[task.pk])
    dashboard = reverse("work:board", args=[cast.hdnd.pk])
    export = reverse("work:board_export", args=[cast.hdnd.pk])
    pages = {
        cast.ubnd_member: [detail, reverse("work:index"), reverse("home")],
        newcomer: [
            detail,
            reverse("work:index"),
            dashboard,
            dashboard + "?status=overdue",
            dashboard + "?q=giai+ngan",
        ],
    }
    for user, urls in pages.items():
        assert _get(client, user, url_of(meeting)).status_code == 404, user
        for url in urls:
            page = _get(client, user, url).content.decode()
            assert task.title in page, (user, url)
            for secret in secrets:
                assert secret not in page, (user, url, secret)
    # Filtering by the meeting's id finds nothing for who may not see it.
    response = _get(client, newcomer, dashboard + f"?meeting={meeting.pk}")
    assert response.context["rows"] == [] and response.context["meetings"] == []
    sheet = load_workbook(io.BytesIO(_get(client, newcomer, export).content)).active
    cells = [str(c) for r in sheet.iter_rows(values_only=True) for c in r if c]
    assert task.title in cells and not set(secrets) & set(cells)
    notes = Notification.objects.filter(recipient=cast.ubnd_member)
    assert notes and not any(
        secret in f"{n.title} {n.body}" for n in notes for secret in secrets
    )
    # Who may see the meeting still sees where the task came from.
    for url in (detail, dashboard):
        page = _get(client, cast.secretary, url).content.decode()
        assert meeting.title in page, url
    assert conclusion.text in _get(client, cast.secretary, detail).content.decode()
    sheet = load_workbook(
        io.BytesIO(_get(client, cast.delegate, export).content)
    ).active
    assert meeting.title in [c for r in sheet.iter_rows(values_only=True) for c in r]
    response = _get(client, cast.delegate, dashboard + f"?meeting={meeting.pk}")
    assert len(response.context["rows"]) == 4


def url_of(meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def test_the_form_prefills_the_task_text_from_the_conclusion(client, cast, conclusion):
    client.force_login(cast.secretary)
    url = reverse("work:assignment_new", args=[cast.hdnd.pk])
    form = client.get(url + f"?conclusion={conclusion.pk}").context["form"]
    assert form.initial["title"] == conclusion.text
    assert form.initial["conclusion"] == conclusion.pk
    # Another body's (or a made-up) conclusion id prefills nothing.
    assert "title" not in client.get(url + "?conclusion=999").context["form"].initial


def test_the_assignee_reports_and_the_assigner_accepts_through_the_pages(
    client, cast, board
):
    task = board["new"]
    client.force_login(cast.ubnd_member)
    client.post(
        reverse("work:assignment_report", args=[task.pk]),
        {"kind": "done", "text": "Đã hoàn thành"},
    )
    task.refresh_from_db()
    assert task.status == "awaiting_acceptance"
    client.force_login(cast.delegate)  # a member of the body, not its chair
    response = client.post(
        reverse("work:assignment_review", args=[task.pk]), {"decision": "accept"}
    )
    task.refresh_from_db()
    assert task.status == "awaiting_acceptance"
    client.force_login(cast.secretary)
    client.post(
        reverse("work:assignment_review", args=[task.pk]), {"decision": "accept"}
    )
    task.refresh_from_db()
    assert task.status == "completed"
    assert response.status_code == 302


def test_a_task_is_given_from_a_conclusion_through_the_form(client, cast, conclusion):
    client.force_login(cast.secretary)
    url = reverse("work:assignment_new", args=[cast.hdnd.pk])
    page = client.get(url + f"?conclusion={conclusion.pk}")
    assert page.status_code == 200
    token = page.context["form"].initial["client_token"]
    response = client.post(
        url,
        {
            "title": "Rà soát dự án",
            "deadline": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
            "assignee_kind": "body",
            "assignee_body": cast.ubnd.pk,
            "conclusion": conclusion.pk,
            "client_token": token,
        },
    )
    assert response.status_code == 302
    a = Assignment.objects.get()
    assert (a.assignee_body, a.conclusion) == (cast.ubnd, conclusion)


# --- home, e-mail choices, bell -----------------------------------------------------
@pytest.mark.parametrize("size", [1, 5])
def test_home_shows_my_consultations_and_tasks_in_fixed_queries(
    client, cast, django_assert_num_queries, size
):
    for n in range(size):
        actions.send_consultation(
            cast.chair, body=cast.hdnd, title=f"Xin ý kiến {n}", deadline=later()
        )
        a = actions.create_assignment(
            cast.chair,
            body=cast.hdnd,
            title=f"Nhiệm vụ {n}",
            deadline=timezone.localdate() + datetime.timedelta(days=1),
            assignee_user=cast.delegate,
        )
        Assignment.objects.filter(pk=a.pk).update(
            deadline=timezone.localdate() - datetime.timedelta(days=1 + n % 2)
        )
    client.force_login(cast.delegate)
    client.get(reverse("home"))
    with django_assert_num_queries(8):
        page = client.get(reverse("home")).content.decode()
    assert "Xin ý kiến 0" in page and "Nhiệm vụ 0" in page
    assert "Quá hạn" in page


def test_email_choices_are_per_user_and_respected(
    client, cast, django_capture_on_commit_callbacks
):
    from django.core import mail

    cast.delegate.email = "a@example.org"
    cast.delegate.save()
    cast.delegate2.email = "b@example.org"
    cast.delegate2.save()
    client.force_login(cast.delegate)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert "Phiếu xin ý kiến mới" in page
    client.post(reverse("notification_preferences"), {"email": ["assignment.overdue"]})
    assert (
        EmailPreference.objects.get(user=cast.delegate, kind="consultation.sent").email
        is False
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_consultation(
            cast.chair, body=cast.hdnd, title="Thư", deadline=later()
        )
    assert [m.to for m in mail.outbox] == [["b@example.org"]]


def test_the_bell_shows_the_unread_count(client, cast):
    client.force_login(cast.delegate)
    page = client.get(reverse("home")).content.decode()
    assert "data-bell-count" in page and "js/bell.js" in page
    actions.notify([cast.delegate], kind="x", title="Một", email=False)
    actions.notify([cast.delegate], kind="x", title="Hai", email=False)
    page = client.get(reverse("home")).content.decode()
    assert (
        'data-bell-count aria-label="chưa đọc" >2</span>' in page or ">2</span>" in page
    )
