"""Scheduled jobs: reminders, closing at the deadline, overdue marks; each once,
even with several schedulers running at the same time."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from tests.work.conftest import later
from work import actions
from work.models import (
    Assignment,
    Consultation,
    ConsultationStatus,
    Notification,
    ScheduledRun,
)


def _reminders() -> list[str]:
    return sorted(
        Notification.objects.filter(kind="consultation.reminder").values_list(
            "recipient__username", flat=True
        )
    )


def _due_soon(cast) -> Consultation:
    """A consultation sent two days ago, due in two hours."""
    c = actions.send_consultation(
        cast.chair, body=cast.hdnd, title="Sắp hết hạn", deadline=later(hours=2)
    )
    Consultation.objects.filter(pk=c.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    return c


def test_reminders_go_once_to_those_who_have_not_answered(cast):
    c = _due_soon(cast)
    actions.answer_consultation(cast.delegate, c, opinion="agree")
    assert actions.send_due_reminders() == 1
    assert _reminders() == ["chutoa", "daibieu02"]
    assert actions.send_due_reminders() == 0
    assert _reminders() == ["chutoa", "daibieu02"]


def test_no_reminder_before_the_window_or_for_one_sent_inside_it(cast):
    actions.send_consultation(
        cast.chair, body=cast.hdnd, title="Còn lâu", deadline=later(days=5)
    )
    actions.send_consultation(
        cast.chair, body=cast.hdnd, title="Vừa gửi", deadline=later(hours=3)
    )
    assert actions.send_due_reminders() == 0
    assert _reminders() == []


def test_the_scheduler_closes_at_the_deadline_and_builds_the_report(
    cast, django_capture_on_commit_callbacks
):
    c = actions.send_consultation(
        cast.chair, body=cast.hdnd, title="Đến hạn", deadline=later(hours=1)
    )
    actions.answer_consultation(cast.delegate, c, opinion="agree")
    assert actions.close_due_consultations() == 0
    Consultation.objects.filter(pk=c.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.close_due_consultations() == 1
    c.refresh_from_db()
    assert c.status == ConsultationStatus.CLOSED and c.closed_by is None
    assert c.report_sha256
    assert actions.close_due_consultations() == 0


def test_a_missing_report_is_built_by_the_scheduler(cast):
    c = actions.send_consultation(
        cast.chair, body=cast.hdnd, title="Báo cáo lỡ", deadline=later()
    )
    actions.close_consultation(cast.chair, c)  # on_commit never runs here
    Consultation.objects.filter(pk=c.pk).update(
        closed_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert actions.build_missing_reports() == 1
    c.refresh_from_db()
    assert c.report_sha256


def test_an_overdue_task_is_marked_once_per_deadline(cast):
    a = actions.create_assignment(
        cast.chair,
        body=cast.hdnd,
        title="Quá hạn",
        deadline=timezone.localdate(),
        assignee_user=cast.ubnd_member,
    )
    assert actions.mark_overdue_assignments() == 0  # due today: not yet late
    Assignment.objects.filter(pk=a.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert actions.mark_overdue_assignments() == 1
    assert actions.mark_overdue_assignments() == 0
    users = set(
        Notification.objects.filter(kind="assignment.overdue").values_list(
            "recipient__username", flat=True
        )
    )
    assert users == {"thanhvien01", "chutoa", "thuky"}
    # A new deadline that passes too is a new occasion.
    Assignment.objects.filter(pk=a.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=2)
    )
    assert actions.mark_overdue_assignments() == 1


def test_run_schedule_once_runs_every_job(cast, capsys):
    _due_soon(cast)
    call_command("run_schedule", "--once")
    out = capsys.readouterr().out
    assert "reminded=1" in out and "closed=0" in out
    assert len(_reminders()) == 3


def _race(cast, runs: int = 2) -> list[BaseException]:
    barrier = threading.Barrier(runs)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            actions.run_due_jobs()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _overdue_task(cast) -> Assignment:
    a = actions.create_assignment(
        cast.chair,
        body=cast.hdnd,
        title="Quá hạn",
        deadline=timezone.localdate(),
        assignee_user=cast.ubnd_member,
    )
    Assignment.objects.filter(pk=a.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    return a


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_each_reminder_once(cast):
    """SQLite path: concurrent runs may defer a job to the next run (the
    database is busy), never repeat it."""
    _due_soon(cast)
    _overdue_task(cast)
    assert _race(cast) == []
    actions.run_due_jobs()  # whatever was deferred runs now
    actions.run_due_jobs()
    assert _reminders() == ["chutoa", "daibieu01", "daibieu02"]
    assert Notification.objects.filter(kind="assignment.overdue").count() == 3
    # one row per reminder and overdue mark, plus the daily group sync
    assert ScheduledRun.objects.exclude(job="accounts.body_groups").count() == 2
    assert ScheduledRun.objects.filter(job="accounts.body_groups").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_schedulers_at_once_on_postgresql_send_each_reminder_once(cast):
    """On PostgreSQL the concurrent runs themselves do every job exactly once."""
    _due_soon(cast)
    _overdue_task(cast)
    assert _race(cast, runs=4) == []
    assert _reminders() == ["chutoa", "daibieu01", "daibieu02"]
    assert Notification.objects.filter(kind="assignment.overdue").count() == 3
    # one row per reminder and overdue mark, plus the daily group sync
    assert ScheduledRun.objects.exclude(job="accounts.body_groups").count() == 2
    assert ScheduledRun.objects.filter(job="accounts.body_groups").count() == 1


def test_the_schedule_forgets_room_answers_after_a_day_and_syncs_groups(cast):
    """The room's stored command answers go after 24 hours, and the bodies'
    member groups follow memberships that ended by date, once a day."""
    from meetings.models import RoomCommand
    from tests.realtime.rooms import build_room

    room = build_room(cast)
    old = RoomCommand.objects.create(
        meeting=room.meeting, user=cast.chair, client_id="old", kind="agenda.goto"
    )
    RoomCommand.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    fresh = RoomCommand.objects.create(
        meeting=room.meeting, user=cast.chair, client_id="new", kind="agenda.goto"
    )
    membership = cast.delegate.memberships.get(body=cast.hdnd)
    type(membership).objects.filter(pk=membership.pk).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert cast.delegate.groups.filter(pk=cast.hdnd.group_id).exists()

    done = actions.run_due_jobs()
    assert done["room_commands"] == 1 and done["body_groups"] >= 1
    assert list(RoomCommand.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not cast.delegate.groups.filter(pk=cast.hdnd.group_id).exists()
    assert actions.run_due_jobs()["body_groups"] == 0  # once a day


def test_the_schedule_forgets_form_tokens_after_a_week(cast):
    """A create form's one-time token is kept 7 days, then deleted."""
    import uuid

    from django.contrib.contenttypes.models import ContentType

    from submissions.models import FormToken

    kind = ContentType.objects.get_for_model(cast.hdnd)

    def token(days: int) -> FormToken:
        return FormToken.objects.create(
            token=uuid.uuid4(),
            user=cast.chair,
            content_type=kind,
            object_id=str(cast.hdnd.pk),
            created_at=timezone.now() - datetime.timedelta(days=days),
        )

    token(8)
    fresh = token(6)
    assert actions.run_due_jobs()["form_tokens"] == 1
    assert list(FormToken.objects.values_list("token", flat=True)) == [fresh.token]
    assert actions.run_due_jobs()["form_tokens"] == 0
