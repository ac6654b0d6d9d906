"""Meeting actions: what each does, and every refusal changing nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import AuditEvent
from documents import queries as document_queries
from meetings import actions, queries
from meetings.models import (
    AgendaChange,
    AgendaItem,
    Answer,
    Attendance,
    ChangeKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    Role,
)
from nghisu.errors import ActionError, NotFound
from tests.meetings.conftest import times
from tests.realtime.rooms import reach_quorum
from work.models import Notification


def refused(func, *args, code: str | None = None, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as err:
        func(*args, **kwargs)
    assert err.value.message and err.value.message[0].isupper()
    if code is not None:
        assert err.value.code == code, err.value.code
    return err.value


# --- creating and editing -----------------------------------------------------------


def test_secretary_creates_a_draft_with_its_participants_group(cast):
    start, end = times()
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="  Kỳ họp chuyên đề  ",
        kind=MeetingKind.HDND_THEMATIC,
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    assert meeting.status == MeetingStatus.DRAFT
    assert meeting.title == "Kỳ họp chuyên đề"
    assert meeting.participants_group.name == f"meeting:{meeting.pk}:participants"
    assert AuditEvent.objects.filter(action="meeting.create").count() == 1


def test_end_before_start_is_refused(cast):
    start, end = times()
    err = refused(
        actions.create_meeting,
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=end,
        ends_at=start,
        place="Hội trường",
        code="bad_dates",
    )
    assert "kết thúc phải sau" in err.message
    assert not Meeting.objects.exists()


def test_kind_must_fit_the_body(cast):
    start, end = times()
    refused(
        actions.create_meeting,
        cast.ubnd_chair,
        body=cast.ubnd,
        title="Phiên họp",
        kind=MeetingKind.HDND_EXTRAORDINARY,
        starts_at=start,
        ends_at=end,
        place="Phòng họp",
        code="bad_kind",
    )
    assert not Meeting.objects.exists()


def test_only_chairs_and_secretaries_of_the_body_create(cast):
    start, end = times()
    for who in (cast.delegate, cast.outsider, cast.ubnd_chair):
        refused(
            actions.create_meeting,
            who,
            body=cast.hdnd,
            title="Kỳ họp",
            kind=MeetingKind.HDND_REGULAR,
            starts_at=start,
            ends_at=end,
            place="Hội trường",
            code="forbidden",
        )
    assert not Meeting.objects.exists()


def test_update_refuses_end_before_start_and_keeps_the_meeting(cast, draft):
    refused(
        actions.update_meeting,
        cast.secretary,
        draft,
        title="Mới",
        kind=draft.kind,
        starts_at=draft.ends_at,
        ends_at=draft.starts_at,
        place=draft.place,
        code="bad_dates",
    )
    draft.refresh_from_db()
    assert draft.title.startswith("Kỳ họp thứ mười hai")


def test_rescheduling_a_published_meeting_notifies_participants(
    cast, published, django_capture_on_commit_callbacks
):
    start, end = times(days=5)
    before = Notification.objects.filter(kind="meeting.rescheduled").count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.update_meeting(
            cast.secretary,
            published,
            title=published.title,
            kind=published.kind,
            starts_at=start,
            ends_at=end,
            place="Phòng họp số 2",
        )
    assert callbacks  # the room event
    assert Notification.objects.filter(kind="meeting.rescheduled").count() > before


# --- the agenda ---------------------------------------------------------------------------


def test_items_subitems_and_numbers(cast, draft):
    first = draft.items.order_by("position").first()
    sub = actions.add_item(cast.secretary, draft, title="Tờ trình", parent=first)
    top = queries.agenda(draft)
    assert [i.number for i in top] == ["1", "2"]
    assert [s.number for s in top[0].subitems] == ["1.1"]
    assert top[0].subitems[0].pk == sub.pk
    with pytest.raises(ActionError):
        actions.add_item(cast.secretary, draft, title="Cháu", parent=sub)


def test_reorder_with_the_current_version(cast, draft):
    draft.refresh_from_db()
    a, b = list(draft.items.order_by("position"))
    actions.reorder_items(
        cast.secretary, draft, order=[b.pk, a.pk], version=draft.agenda_version
    )
    assert [i.pk for i in queries.agenda(draft)] == [b.pk, a.pk]


def test_a_stale_order_is_refused_and_nothing_moves(cast, draft):
    draft.refresh_from_db()
    seen = draft.agenda_version
    a, b = list(draft.items.order_by("position"))
    actions.add_item(cast.chair, draft, title="Nội dung bổ sung")  # someone else
    err = refused(
        actions.reorder_items,
        cast.secretary,
        draft,
        order=[b.pk, a.pk],
        version=seen,
        code="stale",
    )
    assert "tải lại" in err.message
    assert [i.title for i in queries.agenda(draft)][:2] == [a.title, b.title]


def test_an_order_that_does_not_list_the_items_is_refused(cast, draft):
    draft.refresh_from_db()
    a, b = list(draft.items.order_by("position"))
    for order in ([a.pk], [a.pk, a.pk], [a.pk, b.pk, 999999]):
        refused(
            actions.reorder_items,
            cast.secretary,
            draft,
            order=order,
            version=draft.agenda_version,
            code="bad_order",
        )


def test_move_buttons(cast, draft):
    draft.refresh_from_db()
    a, b = list(draft.items.order_by("position"))
    actions.move_item(cast.secretary, b, step=-1, version=draft.agenda_version)
    assert [i.pk for i in queries.agenda(draft)] == [b.pk, a.pk]
    draft.refresh_from_db()
    refused(
        actions.move_item,
        cast.secretary,
        b,
        step=-1,
        version=draft.agenda_version,
        code="bad_order",
    )


def test_delegates_cannot_change_the_agenda(cast, published):
    item = published.items.first()
    refused(actions.add_item, cast.delegate, published, title="X", code="forbidden")
    refused(actions.delete_item, cast.delegate, item, code="forbidden")
    assert published.items.count() == 2


def test_changes_after_publishing_are_recorded(cast, published):
    published.refresh_from_db()
    a, b = list(published.items.order_by("position"))
    assert not AgendaChange.objects.exists()
    added = actions.add_item(cast.secretary, published, title="Chất vấn và trả lời")
    published.refresh_from_db()
    actions.reorder_items(
        cast.secretary,
        published,
        order=[added.pk, a.pk, b.pk],
        version=published.agenda_version,
    )
    actions.update_item(cast.secretary, a, title="Báo cáo KT-XH (sửa)")
    actions.delete_item(cast.secretary, b)
    kinds = list(AgendaChange.objects.order_by("id").values_list("kind", "item_title"))
    assert kinds == [
        (ChangeKind.ADDED, "Chất vấn và trả lời"),
        (ChangeKind.MOVED, "Chất vấn và trả lời"),
        (ChangeKind.EDITED, "Báo cáo KT-XH (sửa)"),
        (ChangeKind.REMOVED, b.title),
    ]
    moved = AgendaChange.objects.get(kind=ChangeKind.MOVED)
    assert moved.detail == {"before": "3", "after": "1"}


def test_attached_documents_are_granted_on_publish_and_at_once_after(
    cast, draft, make_document, django_capture_on_commit_callbacks
):
    item = draft.items.first()
    doc = make_document(cast.secretary, body=cast.hdnd)
    actions.attach_documents(cast.secretary, item, [doc])
    with pytest.raises(NotFound):
        document_queries.access_document(cast.delegate, doc.pk)
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, draft)
    assert document_queries.access_document(cast.delegate, doc.pk) == doc
    # Participants may write their notes on it, not download the original.
    assert document_queries.access_document(
        cast.delegate, doc.pk, perm="annotate_document"
    )
    with pytest.raises(NotFound):
        document_queries.access_document(
            cast.delegate, doc.pk, perm="download_document"
        )
    with pytest.raises(NotFound):
        document_queries.access_document(cast.outsider, doc.pk)
    later = make_document(cast.secretary, body=cast.hdnd, title="Báo cáo thẩm tra")
    actions.attach_documents(cast.secretary, item, [later])
    assert document_queries.access_document(cast.delegate2, later.pk) == later
    actions.detach_document(cast.secretary, item, later.pk)
    with pytest.raises(NotFound):
        document_queries.access_document(cast.delegate2, later.pk)


def test_upload_in_place_attaches_a_new_document(cast, draft):
    from tests.meetings.conftest import upload

    item = draft.items.first()
    doc = actions.upload_document(
        cast.secretary, item, uploaded_file=upload(), title="Phụ lục"
    )
    assert list(item.documents.all()) == [doc]
    assert doc.body_id == cast.hdnd.pk


def test_attaching_a_document_the_actor_cannot_see_is_refused(
    cast, draft, make_document
):
    other = make_document(cast.ubnd_chair, body=cast.ubnd)
    item = draft.items.first()
    refused(actions.attach_documents, cast.secretary, item, [other], code="forbidden")
    assert not item.documents.exists()


# --- participants and invitations -----------------------------------------------------


def test_invite_members_in_one_action_with_roles_and_voting_rights(cast, draft):
    rows = {p.user_id: p for p in Participant.objects.filter(meeting=draft)}
    assert rows[cast.chair.pk].role == Role.CHAIR and rows[cast.chair.pk].voting_right
    assert rows[cast.secretary.pk].role == Role.SECRETARY
    assert not rows[cast.secretary.pk].voting_right
    assert rows[cast.delegate.pk].role == Role.DELEGATE
    assert rows[cast.delegate.pk].voting_right
    group_users = set(draft.participants_group.user_set.values_list("pk", flat=True))
    assert group_users == set(rows)
    assert not Notification.objects.exists()  # a draft invites nobody yet


def test_inviting_twice_is_refused(cast, draft):
    count = Participant.objects.filter(meeting=draft).count()
    refused(actions.invite_members, cast.secretary, draft, code="already_invited")
    err = refused(
        actions.invite_participant,
        cast.secretary,
        draft,
        cast.delegate,
        role=Role.DELEGATE,
        code="already_invited",
    )
    assert "đã có trong danh sách mời" in err.message
    assert Participant.objects.filter(meeting=draft).count() == count


def test_guests_have_no_vote_unless_overridden_and_never_as_guest(cast, draft):
    guest = actions.invite_participant(
        cast.secretary, draft, cast.ubnd_chair, role=Role.GUEST
    )
    assert not guest.voting_right
    refused(
        actions.update_participant,
        cast.secretary,
        guest,
        role=Role.GUEST,
        voting_right=True,
        code="guest_no_vote",
    )
    actions.update_participant(
        cast.secretary, guest, role=Role.DELEGATE, voting_right=True
    )
    guest.refresh_from_db()
    assert guest.voting_right and guest.role == Role.DELEGATE


def test_publishing_notifies_and_mails_every_participant(
    cast, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, draft)
    invited = Notification.objects.filter(kind="meeting.invitation")
    assert set(invited.values_list("recipient_id", flat=True)) == {
        cast.chair.pk,
        cast.delegate.pk,
        cast.delegate2.pk,
    }
    assert (
        not Participant.objects.filter(meeting=draft, invited_at__isnull=True)
        .exclude(user=cast.secretary)
        .exists()
    )
    assert len(mail.outbox) == 0  # the cast has no e-mail addresses


def test_invitation_e_mail_goes_after_commit(
    cast, draft, django_capture_on_commit_callbacks
):
    cast.delegate.email = "daibieu01@example.org"
    cast.delegate.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, draft)
    assert [m.to for m in mail.outbox] == [["daibieu01@example.org"]]
    assert "Giấy mời họp" in mail.outbox[0].subject


def test_publishing_with_no_items_is_refused(cast):
    start, end = times()
    meeting = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp",
        kind=MeetingKind.HDND_REGULAR,
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    actions.invite_members(cast.secretary, meeting)
    err = refused(actions.publish_meeting, cast.secretary, meeting, code="empty_agenda")
    assert "Chưa có nội dung" in err.message
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    assert not Notification.objects.exists()


def test_publishing_twice_is_refused(cast, published):
    refused(actions.publish_meeting, cast.secretary, published, code="bad_status")


def test_delegate_accepts_and_declines_with_a_reason(cast, published):
    p = actions.respond_invitation(cast.delegate, published, answer=Answer.ACCEPTED)
    assert p.answer == Answer.ACCEPTED
    again = actions.respond_invitation(cast.delegate, published, answer=Answer.ACCEPTED)
    assert again.answered_at == p.answered_at  # a second click changes nothing
    refused(
        actions.respond_invitation,
        cast.delegate2,
        published,
        answer=Answer.DECLINED,
        code="reason_required",
    )
    p2 = actions.respond_invitation(
        cast.delegate2, published, answer=Answer.DECLINED, reason="Đi công tác"
    )
    assert p2.answer == Answer.DECLINED and p2.answer_reason == "Đi công tác"


def test_delegation_only_where_the_body_allows(cast, published):
    from accounts import actions as account_actions
    from accounts.models import Position

    extra = account_actions.create_user(
        "daibieu03", full_name="Lường Văn Sáng", password=None
    )
    account_actions.add_membership(cast.hdnd, extra, position=Position.MEMBER)
    refused(
        actions.respond_invitation,
        cast.delegate,
        published,
        answer=Answer.DELEGATED,
        reason="Ốm",
        substitute=extra,
        code="no_delegation",
    )
    cast.hdnd.allows_delegation = True
    cast.hdnd.save()
    published.refresh_from_db()
    refused(
        actions.respond_invitation,
        cast.delegate,
        published,
        answer=Answer.DELEGATED,
        reason="Ốm",
        substitute=cast.outsider,
        code="invalid",
    )
    original = actions.respond_invitation(
        cast.delegate,
        published,
        answer=Answer.DELEGATED,
        reason="Ốm",
        substitute=extra,
    )
    sub = Participant.objects.get(meeting=published, user=extra)
    assert sub.substitute_for_id == original.pk and sub.voting_right
    assert not original.voting_right
    assert Notification.objects.filter(recipient=extra).exists()


def test_outsiders_cannot_answer(cast, published):
    refused(
        actions.respond_invitation,
        cast.outsider,
        published,
        answer=Answer.ACCEPTED,
        code="forbidden",
    )


def test_removing_a_participant_withdraws_the_documents(
    cast, draft, make_document, django_capture_on_commit_callbacks
):
    doc = make_document(cast.secretary, body=cast.hdnd)
    actions.attach_documents(cast.secretary, draft.items.first(), [doc])
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_meeting(cast.secretary, draft)
    assert document_queries.access_document(cast.delegate2, doc.pk)
    p = Participant.objects.get(meeting=draft, user=cast.delegate2)
    actions.remove_participant(cast.secretary, p)
    with pytest.raises(NotFound):
        document_queries.access_document(cast.delegate2, doc.pk)
    with pytest.raises(NotFound):
        queries.access_meeting(cast.delegate2, draft.pk)


# --- attendance and quorum ------------------------------------------------------------


def test_check_in_opens_when_published_and_is_refused_in_a_draft(cast, draft):
    p = Participant.objects.get(meeting=draft, user=cast.delegate)
    err = refused(actions.check_in, cast.delegate, p, code="bad_status")
    assert "đã công bố" in err.message
    p.refresh_from_db()
    assert p.attendance == Attendance.UNKNOWN


def test_secretary_and_self_check_in_and_quorum_before_the_start(
    cast, published, django_capture_on_commit_callbacks
):
    rows = {p.user_id: p for p in Participant.objects.filter(meeting=published)}
    q = queries.quorum(published)
    assert (q.members, q.required, q.present, q.reached) == (3, 2, 0, False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.check_in(cast.delegate, rows[cast.delegate.pk])
    assert len(callbacks) == 1
    actions.check_in(cast.secretary, rows[cast.chair.pk])
    actions.check_in(cast.secretary, rows[cast.secretary.pk])
    q = queries.quorum(published)
    assert (q.present, q.reached) == (2, True)  # the secretary does not count
    refused(actions.check_in, cast.delegate, rows[cast.delegate2.pk], code="forbidden")
    actions.mark_absent(cast.secretary, rows[cast.delegate2.pk], reason="Ốm")
    rows[cast.delegate2.pk].refresh_from_db()
    assert rows[cast.delegate2.pk].absence_reason == "Ốm"


def test_closing_records_the_unchecked_as_absent_with_their_reason(cast, published):
    actions.respond_invitation(
        cast.delegate2, published, answer=Answer.DECLINED, reason="Đi công tác"
    )
    reach_quorum(cast.secretary, published, skip=[cast.delegate2])
    actions.start_meeting(cast.chair, published)
    actions.close_meeting(cast.chair, published)
    p = Participant.objects.get(meeting=published, user=cast.delegate2)
    assert p.attendance == Attendance.ABSENT and p.absence_reason == "Đi công tác"


# --- status machine ---------------------------------------------------------------------


def test_transitions_only_in_order(cast, draft):
    refused(actions.start_meeting, cast.chair, draft, code="bad_status")
    refused(actions.close_meeting, cast.chair, draft, code="bad_status")
    refused(actions.archive_meeting, cast.secretary, draft, code="bad_status")
    draft.refresh_from_db()
    assert draft.status == MeetingStatus.DRAFT


def test_delegate_cannot_start_the_meeting(cast, published):
    refused(actions.start_meeting, cast.delegate, published, code="forbidden")


def test_archiving_needs_approved_minutes(cast, running):
    actions.close_meeting(cast.chair, running)
    refused(actions.archive_meeting, cast.secretary, running, code="minutes_missing")


def test_only_drafts_are_deleted(cast, published):
    refused(actions.delete_meeting, cast.secretary, published, code="bad_status")
    assert Meeting.objects.filter(pk=published.pk).exists()


# --- conclusions ---------------------------------------------------------------------------


def test_conclusion_by_chair_or_secretary(cast, running):
    item = running.items.first()
    c = actions.record_conclusion(
        cast.chair, running, item, text="Thống nhất thông qua báo cáo."
    )
    assert c.text == "Thống nhất thông qua báo cáo."
    actions.record_conclusion(
        cast.secretary, running, item, text="Thống nhất thông qua báo cáo (sửa)."
    )
    c.refresh_from_db()
    assert c.text.endswith("(sửa).")
    refused(
        actions.record_conclusion,
        cast.delegate,
        running,
        item,
        text="Tôi kết luận",
        code="forbidden",
    )


def test_a_conclusion_on_an_item_of_another_meeting_is_refused(cast, running):
    start, end = times(days=10)
    other = actions.create_meeting(
        cast.secretary,
        body=cast.hdnd,
        title="Kỳ họp khác",
        kind=MeetingKind.HDND_THEMATIC,
        starts_at=start,
        ends_at=end,
        place="Hội trường",
    )
    foreign = actions.add_item(cast.secretary, other, title="Nội dung khác")
    err = refused(
        actions.record_conclusion,
        cast.chair,
        running,
        foreign,
        text="Kết luận",
        code="bad_item",
    )
    assert "không thuộc" in err.message
    assert not AgendaItem.objects.filter(conclusion__isnull=False).exists()


def test_items_with_conclusions_cannot_be_deleted(cast, running):
    item = running.items.first()
    actions.record_conclusion(cast.chair, running, item, text="Đồng ý.")
    refused(actions.delete_item, cast.secretary, item, code="in_use")


def test_actions_publish_room_events_after_commit(
    cast, draft, django_capture_on_commit_callbacks
):
    """Each state change publishes one room event (a new ``seq``), sent on commit."""
    from meetings import events

    before = events.current_seq(draft.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.publish_meeting(cast.secretary, draft)
    assert callbacks  # queued, not sent before commit
    assert events.current_seq(draft.pk) == before + 1
    reach_quorum(cast.secretary, draft)  # two check-ins: two events
    before += 2
    actions.start_meeting(cast.chair, draft)
    assert events.current_seq(draft.pk) == before + 2
