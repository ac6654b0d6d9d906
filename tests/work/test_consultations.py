"""Written consultations: sending, answering, closing, the majority rule, the
report, putting it on an agenda, and every refusal."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent
from nghisu.errors import ActionError
from tests.work.conftest import later
from work import actions
from work.models import (
    Consultation,
    ConsultationRecipient,
    ConsultationStatus,
    Notification,
)


def _refused(code: str, func, *args, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as info:
        func(*args, **kwargs)
    assert info.value.code == code
    assert info.value.message  # a Vietnamese sentence for people
    return info.value


# --- sending ------------------------------------------------------------------------
def test_chair_sends_to_every_member_by_default_and_they_are_notified(
    cast, django_capture_on_commit_callbacks
):
    cast.delegate.email = "daibieu01@example.org"
    cast.delegate.save()
    with django_capture_on_commit_callbacks(execute=True):
        c = actions.send_consultation(
            cast.chair,
            body=cast.hdnd,
            title="Dự thảo Quyết định phê duyệt đề án",
            deadline=later(days=2),
        )
    recipients = set(c.recipients.values_list("user__username", flat=True))
    # Members only: the secretary keeps records and is not asked.
    assert recipients == {"chutoa", "daibieu01", "daibieu02"}
    assert Notification.objects.filter(kind="consultation.sent").count() == 3
    assert [m.to for m in mail.outbox] == [["daibieu01@example.org"]]
    assert AuditEvent.objects.filter(action="consultation.send").count() == 1


def test_sending_to_chosen_members_shares_the_documents_with_them(cast, make_document):
    from documents.queries import user_can

    draft = make_document(cast.secretary, body=cast.hdnd)
    assert not user_can(cast.delegate, draft, "view_document")
    c = actions.send_consultation(
        cast.secretary,
        body=cast.hdnd,
        title="Xin ý kiến về dự thảo",
        deadline=later(days=1),
        recipients=[cast.delegate],
        documents=[draft],
    )
    assert list(c.recipients.values_list("user", flat=True)) == [cast.delegate.pk]
    assert user_can(cast.delegate, draft, "view_document")
    assert not user_can(cast.delegate2, draft, "view_document")


def test_a_deadline_in_the_past_is_refused_and_nothing_is_sent(cast):
    _refused(
        "deadline_past",
        actions.send_consultation,
        cast.chair,
        body=cast.hdnd,
        title="Xin ý kiến",
        deadline=timezone.now() - datetime.timedelta(hours=1),
    )
    assert not Consultation.objects.exists()
    assert not Notification.objects.exists()


def test_only_the_chair_or_secretary_sends(cast):
    _refused(
        "forbidden",
        actions.send_consultation,
        cast.delegate,
        body=cast.hdnd,
        title="Xin ý kiến",
        deadline=later(),
    )
    _refused(
        "forbidden",
        actions.send_consultation,
        cast.ubnd_chair,
        body=cast.hdnd,
        title="Xin ý kiến",
        deadline=later(),
    )
    assert not Consultation.objects.exists()


def test_recipients_must_be_members_and_a_title_is_required(cast):
    _refused(
        "not_member",
        actions.send_consultation,
        cast.chair,
        body=cast.hdnd,
        title="Xin ý kiến",
        deadline=later(),
        recipients=[cast.delegate, cast.outsider],
    )
    _refused(
        "no_recipients",
        actions.send_consultation,
        cast.chair,
        body=cast.hdnd,
        title="Xin ý kiến",
        deadline=later(),
        recipients=[],
    )
    _refused(
        "required",
        actions.send_consultation,
        cast.chair,
        body=cast.hdnd,
        title="   ",
        deadline=later(),
    )
    assert not Consultation.objects.exists()


# --- answering ----------------------------------------------------------------------
def test_a_member_answers_and_may_change_the_answer_until_the_deadline(
    cast, consultation
):
    seat = actions.answer_consultation(cast.delegate, consultation, opinion="agree")
    assert seat.opinion == "agree" and seat.answered_at is not None
    seat = actions.answer_consultation(
        cast.delegate,
        consultation,
        opinion="disagree",
        comment="Cần bổ sung nguồn vốn.",
    )
    row = ConsultationRecipient.objects.get(
        consultation=consultation, user=cast.delegate
    )
    assert (row.opinion, row.comment, row.changes) == (
        "disagree",
        "Cần bổ sung nguồn vốn.",
        1,
    )
    assert AuditEvent.objects.filter(action="consultation.answer").count() == 2


def test_answering_twice_with_the_same_content_changes_nothing(cast, consultation):
    first = actions.answer_consultation(cast.delegate, consultation, opinion="agree")
    again = actions.answer_consultation(cast.delegate, consultation, opinion="agree")
    assert again.answered_at == first.answered_at
    assert ConsultationRecipient.objects.filter(user=cast.delegate).count() == 1
    assert AuditEvent.objects.filter(action="consultation.answer").count() == 1


def test_a_non_recipient_cannot_answer(cast, consultation):
    _refused(
        "not_recipient",
        actions.answer_consultation,
        cast.outsider,
        consultation,
        opinion="agree",
    )
    _refused(
        "not_recipient",
        actions.answer_consultation,
        cast.secretary,
        consultation,
        opinion="agree",
    )
    assert not ConsultationRecipient.objects.exclude(opinion="").exists()


def test_answering_after_the_deadline_is_refused_and_keeps_the_answer(
    cast, consultation
):
    actions.answer_consultation(cast.delegate, consultation, opinion="agree")
    Consultation.objects.filter(pk=consultation.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    error = _refused(
        "deadline_passed",
        actions.answer_consultation,
        cast.delegate,
        consultation,
        opinion="disagree",
    )
    assert "quá hạn" in error.message
    _refused(
        "deadline_passed",
        actions.answer_consultation,
        cast.delegate2,
        consultation,
        opinion="agree",
    )
    rows = dict(consultation.recipients.values_list("user__username", "opinion"))
    assert rows == {"chutoa": "", "daibieu01": "agree", "daibieu02": ""}


def test_an_other_opinion_needs_a_comment_and_unknown_opinions_are_refused(
    cast, consultation
):
    _refused(
        "comment_required",
        actions.answer_consultation,
        cast.delegate,
        consultation,
        opinion="other",
    )
    _refused(
        "invalid_opinion",
        actions.answer_consultation,
        cast.delegate,
        consultation,
        opinion="yes",
    )
    assert not ConsultationRecipient.objects.exclude(opinion="").exists()


def test_answering_a_closed_consultation_is_refused(cast, consultation):
    actions.close_consultation(cast.chair, consultation)
    _refused(
        "closed",
        actions.answer_consultation,
        cast.delegate,
        consultation,
        opinion="agree",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_leave_one_answer(cast):
    import threading

    from django.db import connections

    c = actions.send_consultation(
        cast.chair, body=cast.hdnd, title="Đồng thời", deadline=later()
    )
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def answer(n: int) -> None:
        try:
            barrier.wait()
            actions.answer_consultation(
                cast.delegate,
                c,
                opinion="agree" if n % 2 else "disagree",
                comment=f"lần {n}",
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = ConsultationRecipient.objects.filter(consultation=c, user=cast.delegate)
    assert rows.count() == 1
    row = rows.get()
    n = int(row.comment.split()[-1])
    assert row.opinion == ("agree" if n % 2 else "disagree")  # one whole answer


# --- closing and the rule -----------------------------------------------------------
def test_the_chair_closes_early_and_closing_twice_is_refused(
    cast, consultation, django_capture_on_commit_callbacks
):
    actions.answer_consultation(cast.delegate, consultation, opinion="agree")
    actions.answer_consultation(cast.delegate2, consultation, opinion="agree")
    with django_capture_on_commit_callbacks(execute=True):
        closed = actions.close_consultation(cast.chair, consultation)
    assert closed.status == ConsultationStatus.CLOSED
    assert closed.passed is True
    assert closed.result["counts"] == {"agree": 2, "disagree": 0, "other": 0, "none": 1}
    assert closed.result["members"] == 3 and closed.result["required"] == 2
    assert Notification.objects.filter(kind="consultation.closed").count() == 4
    before = Consultation.objects.values().get(pk=consultation.pk)
    _refused("already_closed", actions.close_consultation, cast.chair, consultation)
    assert Consultation.objects.values().get(pk=consultation.pk) == before


def test_a_member_cannot_close_and_the_scheduler_waits_for_the_deadline(
    cast, consultation
):
    _refused("forbidden", actions.close_consultation, cast.delegate, consultation)
    _refused("not_due", actions.close_consultation, None, consultation)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OPEN


def test_more_than_half_of_all_members_is_needed_not_of_those_asked(cast):
    c = actions.send_consultation(
        cast.chair,
        body=cast.hdnd,
        title="Chỉ hỏi một người",
        deadline=later(),
        recipients=[cast.delegate],
    )
    actions.answer_consultation(cast.delegate, c, opinion="agree")
    c = actions.close_consultation(cast.chair, c)
    # 1 of 3 members agree: every one asked agreed, yet it does not pass.
    assert c.passed is False
    assert (c.result["members"], c.result["required"]) == (3, 2)


@pytest.mark.parametrize(
    ("chair_opinion", "passed", "tie_break"),
    [
        ("agree", True, "chair_in_favour"),
        ("disagree", False, "chair_against"),
        # 1 for, 1 against of 4: a tie short of half the members, which the
        # chair's side cannot carry whatever it is
        ("other", False, None),
        (None, False, None),
    ],
)
def test_a_tie_in_a_ubnd_follows_the_chair(cast, chair_opinion, passed, tie_break):
    from accounts import actions as account_actions
    from accounts.models import Position

    third = account_actions.create_user(
        "thanhvien02", full_name="Lò Văn Ba", password=None
    )
    fourth = account_actions.create_user(
        "thanhvien03", full_name="Vì Thị Tư", password=None
    )
    for user in (third, fourth):
        account_actions.add_membership(
            cast.ubnd,
            user,
            position=Position.MEMBER,
            start_date=datetime.date(2021, 7, 1),
        )
    c = actions.send_consultation(
        cast.ubnd_chair, body=cast.ubnd, title="Phương án giá", deadline=later()
    )
    # Four members; as many agree as disagree: the chair's answer decides
    # when all four split evenly.
    others = {
        "agree": [
            (cast.ubnd_member, "agree"),
            (third, "disagree"),
            (fourth, "disagree"),
        ],
        "disagree": [
            (cast.ubnd_member, "agree"),
            (third, "agree"),
            (fourth, "disagree"),
        ],
    }.get(chair_opinion, [(third, "agree"), (fourth, "disagree")])
    if chair_opinion is not None:
        actions.answer_consultation(
            cast.ubnd_chair, c, opinion=chair_opinion, comment="Cần làm rõ thêm"
        )
    for user, opinion in others:
        actions.answer_consultation(user, c, opinion=opinion)
    c = actions.close_consultation(cast.ubnd_chair, c)
    counts = c.result["counts"]
    assert c.result["members"] == 4 and counts["agree"] == counts["disagree"]
    assert c.result["tie"] is True
    assert (c.passed, c.result["tie_break"]) == (passed, tie_break)


def test_a_tie_in_an_hdnd_does_not_pass(cast):
    from accounts import actions as account_actions
    from accounts.models import Position

    fourth = account_actions.create_user(
        "daibieu03", full_name="Lường Văn Bốn", password=None
    )
    account_actions.add_membership(
        cast.hdnd,
        fourth,
        position=Position.MEMBER,
        start_date=datetime.date(2021, 7, 1),
    )
    c = actions.send_consultation(
        cast.chair, body=cast.hdnd, title="Hòa", deadline=later()
    )
    actions.answer_consultation(cast.chair, c, opinion="agree")
    actions.answer_consultation(cast.delegate, c, opinion="agree")
    c = actions.close_consultation(cast.chair, c)
    assert (c.passed, c.result["tie"]) == (False, False)


# --- the report ---------------------------------------------------------------------
def test_the_report_pdf_says_exactly_the_vietnamese_source(
    cast, consultation, django_capture_on_commit_callbacks
):
    import re

    from documents import pdf
    from documents.pdf import record

    actions.answer_consultation(
        cast.delegate, consultation, opinion="agree", comment="Nhất trí với dự thảo."
    )
    actions.answer_consultation(
        cast.delegate2,
        consultation,
        opinion="other",
        comment="Đề nghị bổ sung điều khoản chuyển tiếp; làm rõ đối tượng được hỗ trợ.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_consultation(cast.chair, consultation)
    consultation.refresh_from_db()
    assert consultation.report_sha256
    extracted = "\n".join(p["text"] for p in pdf.extract(consultation.report_pdf.path))
    source = record.spec_text(consultation.report_spec)
    assert extracted.split() == " ".join(source).split()
    flat = re.sub(r"\s+", " ", extracted)
    for phrase in (
        "PHIẾU TỔNG HỢP Ý KIẾN THÀNH VIÊN",
        "Về việc: Dự thảo Nghị quyết về chính sách hỗ trợ cây ăn quả",
        "Cầm Văn Đông",
        "Quàng Thị Ánh",
        "Nhất trí với dự thảo.",
        "Không trả lời",
        "vấn đề không được thông qua",
    ):
        assert phrase in flat, phrase


def test_the_report_is_built_once(
    cast, consultation, django_capture_on_commit_callbacks
):
    from work import reports

    with django_capture_on_commit_callbacks(execute=True):
        actions.close_consultation(cast.chair, consultation)
    consultation.refresh_from_db()
    digest = consultation.report_sha256
    assert reports.build_report(consultation.pk) == digest


# --- the agenda ---------------------------------------------------------------------
def test_a_closed_consultation_goes_on_the_next_meeting_once(
    cast, consultation, django_capture_on_commit_callbacks
):
    from meetings import actions as meeting_actions
    from meetings.models import AgendaDocument, MeetingKind

    start = later(days=5)
    meeting = meeting_actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp thứ mười ba",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        place="Hội trường",
    )
    _refused("not_closed", actions.add_to_agenda, cast.secretary, consultation, meeting)
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_consultation(cast.chair, consultation)
    with django_capture_on_commit_callbacks(execute=True):
        item = actions.add_to_agenda(cast.secretary, consultation, meeting)
    assert item.meeting_id == meeting.pk
    assert item.title.startswith("Báo cáo kết quả xin ý kiến thành viên")
    assert AgendaDocument.objects.filter(item=item).count() == 1
    consultation.refresh_from_db()
    assert consultation.agenda_item_id == item.pk
    _refused(
        "already_on_agenda",
        actions.add_to_agenda,
        cast.secretary,
        consultation,
        meeting,
    )
