"""Assignments: giving, reporting, submitting, accepting, returning; refusals."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from nghisu.errors import ActionError
from tests.work.conftest import upload
from work import actions, queries
from work.models import (
    Assignment,
    AssignmentReport,
    AssignmentStatus,
    Notification,
)


def _refused(code: str, func, *args, **kwargs) -> ActionError:
    with pytest.raises(ActionError) as info:
        func(*args, **kwargs)
    assert info.value.code == code and info.value.message
    return info.value


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def task(cast, conclusion):
    """A task of HĐND tỉnh given to one UBND member from a conclusion."""
    return actions.create_assignment(
        cast.secretary,
        body=cast.hdnd,
        title="Rà soát các dự án chậm giải ngân",
        deadline=_in(10),
        assignee_user=cast.ubnd_member,
        conclusion=conclusion,
    )


def test_a_task_from_a_conclusion_notifies_the_assignee(cast, conclusion):
    a = actions.create_assignment(
        cast.chair,
        body=cast.hdnd,
        title="Ban hành hướng dẫn trước ngày 31/12",
        deadline=_in(30),
        assignee_body=cast.ubnd,
        conclusion=conclusion,
    )
    assert a.status == AssignmentStatus.NEW
    assert a.meeting_id == conclusion.meeting_id
    # The assignee agency's chair (its managers) hears of it.
    assert set(
        Notification.objects.filter(kind="assignment.assigned").values_list(
            "recipient__username", flat=True
        )
    ) == {"chutich"}
    assert AuditEvent.objects.filter(action="assignment.create").count() == 1


def test_giving_a_task_is_refused_for_bad_input(cast, conclusion, task):
    from meetings.models import Conclusion

    _refused(
        "deadline_past",
        actions.create_assignment,
        cast.chair,
        body=cast.hdnd,
        title="Quá khứ",
        deadline=_in(-1),
        assignee_user=cast.delegate,
    )
    _refused(
        "forbidden",
        actions.create_assignment,
        cast.delegate,
        body=cast.hdnd,
        title="Không có quyền",
        deadline=_in(3),
        assignee_user=cast.delegate2,
    )
    _refused(
        "assignee",
        actions.create_assignment,
        cast.chair,
        body=cast.hdnd,
        title="Hai nơi",
        deadline=_in(3),
        assignee_user=cast.delegate2,
        assignee_body=cast.ubnd,
    )
    other = Conclusion.objects.get(pk=conclusion.pk)
    _refused(
        "other_body",
        actions.create_assignment,
        cast.ubnd_chair,
        body=cast.ubnd,
        title="Kết luận của cơ quan khác",
        deadline=_in(3),
        assignee_user=cast.ubnd_member,
        conclusion=other,
    )
    assert Assignment.objects.count() == 1  # only the fixture's


def test_the_assignee_reports_progress_then_done_and_the_assigner_accepts(
    cast, task, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.report_progress(cast.ubnd_member, task, text="Đã rà soát 12/20 dự án.")
    task.refresh_from_db()
    assert task.status == AssignmentStatus.IN_PROGRESS
    # thanhvien01 is a plain member and cannot upload; the UBND chair can.
    _refused(
        "cannot_upload",
        actions.submit_done,
        cast.ubnd_member,
        task,
        text="Hoàn thành",
        uploads=[upload()],
    )
    task.refresh_from_db()
    assert task.status == AssignmentStatus.IN_PROGRESS
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_done(cast.ubnd_member, task, text="Đã rà soát đủ 20 dự án.")
    task.refresh_from_db()
    assert task.status == AssignmentStatus.AWAITING and task.submitted_at
    assert Notification.objects.filter(
        kind="assignment.reported", recipient=cast.secretary
    ).exists()
    done = actions.accept_assignment(cast.chair, task, text="Đạt yêu cầu.")
    assert done.status == AssignmentStatus.COMPLETED
    assert done.on_time is True and done.accepted_by == cast.chair
    kinds = list(
        AssignmentReport.objects.filter(assignment=task).values_list("kind", flat=True)
    )
    assert kinds == ["progress", "done", "accepted"]


def test_an_attachment_is_shared_with_everyone_who_sees_the_task(
    cast, conclusion, django_capture_on_commit_callbacks
):
    from documents.queries import user_can

    a = actions.create_assignment(
        cast.chair,
        body=cast.hdnd,
        title="Báo cáo kết quả",
        deadline=_in(5),
        assignee_user=cast.ubnd_chair,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.report_progress(
            cast.ubnd_chair, a, text="Kèm báo cáo", uploads=[upload()]
        )
    (document,) = report.documents.all()
    assert document.body_id == cast.ubnd.pk  # uploaded where the reporter may
    for user in (cast.chair, cast.secretary, cast.delegate, cast.ubnd_chair):
        assert user_can(user, document, "view_document"), user
    assert not user_can(cast.outsider, document, "view_document")


def test_a_report_on_someone_elses_task_is_refused(cast, task):
    for who in (cast.delegate, cast.outsider, cast.chair):
        _refused(
            "not_assignee", actions.report_progress, who, task, text="Không phải tôi"
        )
        _refused("not_assignee", actions.submit_done, who, task, text="Không phải tôi")
    task.refresh_from_db()
    assert task.status == AssignmentStatus.NEW
    assert not AssignmentReport.objects.exists()


def test_accepting_a_task_not_done_is_refused_and_twice_too(cast, task):
    _refused("not_done", actions.accept_assignment, cast.chair, task)
    actions.submit_done(cast.ubnd_member, task, text="Xong")
    _refused("forbidden", actions.accept_assignment, cast.delegate, task)
    actions.accept_assignment(cast.secretary, task)
    _refused("not_done", actions.accept_assignment, cast.chair, task)
    _refused("completed", actions.report_progress, cast.ubnd_member, task, text="Thêm")
    assert AssignmentReport.objects.filter(kind="accepted").count() == 1


def test_a_returned_task_is_in_progress_again_and_needs_a_reason(cast, task):
    actions.submit_done(cast.ubnd_member, task, text="Xong")
    _refused("awaiting", actions.report_progress, cast.ubnd_member, task, text="Thêm")
    _refused("required", actions.return_assignment, cast.chair, task, reason="  ")
    a = actions.return_assignment(cast.chair, task, reason="Thiếu số liệu quý IV.")
    assert a.status == AssignmentStatus.IN_PROGRESS and a.submitted_at is None
    assert Notification.objects.filter(
        kind="assignment.reviewed", recipient=cast.ubnd_member
    ).exists()


def test_a_task_done_after_the_deadline_is_completed_late(cast, task):
    actions.submit_done(cast.ubnd_member, task, text="Xong")
    Assignment.objects.filter(pk=task.pk).update(deadline=_in(-3))
    a = actions.accept_assignment(cast.chair, task)
    assert a.on_time is False


def test_overdue_is_derived_from_the_deadline(cast, task):
    assert not task.is_overdue
    Assignment.objects.filter(pk=task.pk).update(deadline=_in(-1))
    task.refresh_from_db()
    assert task.is_overdue and task.display_status == "overdue"
    actions.submit_done(cast.ubnd_member, task, text="Xong")
    task.refresh_from_db()
    assert not task.is_overdue  # the assigner now holds it


# --- who sees an assignment ---------------------------------------------------------
def test_the_assigners_body_and_the_assignee_see_a_task_others_do_not(cast, task):
    from nghisu.errors import NotFound

    for user in (cast.chair, cast.secretary, cast.delegate, cast.ubnd_member):
        assert queries.access_assignment(user, task.pk).pk == task.pk
    for user in (cast.outsider, cast.ubnd_chair, cast.admin):
        with pytest.raises(NotFound):
            queries.access_assignment(user, task.pk)


def test_a_task_for_a_unit_is_owed_by_its_peoples_committee(cast):
    a = actions.create_assignment(
        cast.chair,
        body=cast.hdnd,
        title="Tỉnh triển khai",
        deadline=_in(5),
        assignee_unit=cast.province,
    )
    assert set(queries.owed_by(cast.ubnd_member)) == {a}
    assert not queries.owed_by(cast.delegate).exists()
    actions.report_progress(cast.ubnd_member, a, text="Đang triển khai")
