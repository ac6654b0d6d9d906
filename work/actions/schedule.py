"""Scheduled jobs: consultation reminders and closing, overdue marks, missing
reports, leftover secret-ballot keys, the room's stored command answers and
the bodies' member groups (daily). Run by ``manage.py run_schedule`` (a loop,
or ``--once``).

Each job runs once per (job, object, occasion) however many schedulers run:
the effect (notifications, closing) and a :class:`~work.models.ScheduledRun`
row are written in one transaction, and the row's unique constraint makes a
second claimant fail (on PostgreSQL it waits for the first to commit, then
gets the conflict; if the first rolled back, it does the job instead). On
PostgreSQL the object row is first taken with ``SELECT … FOR UPDATE SKIP
LOCKED`` so a scheduler never queues behind another one working on it. A
failure rolls back the claim too, so the job is retried on the next run.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from nghisu.errors import ActionError
from work.models import (
    OWED_STATUSES,
    Assignment,
    Consultation,
    ConsultationRecipient,
    ConsultationStatus,
    ScheduledRun,
)

logger = logging.getLogger(__name__)

REMIND = "consultation.remind"
CLOSE = "consultation.close"
OVERDUE = "assignment.overdue"


class _Skip(Exception):
    """Another scheduler holds the object: leave it for this run."""


def reminder_window() -> datetime.timedelta:
    """How long before the deadline reminders go out (``WORK_REMINDER_HOURS``)."""
    return datetime.timedelta(hours=getattr(settings, "WORK_REMINDER_HOURS", 24))


def _not_run(job: str, occasion: str | None = None):
    runs = ScheduledRun.objects.filter(job=job, object_id=OuterRef("pk"))
    if occasion is not None:
        runs = runs.filter(occasion=occasion)
    return ~Exists(runs)


def claim(job: str, object_id: int, occasion: str, **detail) -> bool:
    """Insert the run row inside the caller's transaction; False if taken."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(
                job=job, object_id=object_id, occasion=occasion, detail=detail
            )
    except IntegrityError:
        return False
    return True


def _lock_or_skip(model, pk: int) -> None:
    if not model.objects.select_for_update(skip_locked=True).filter(pk=pk).exists():
        raise _Skip()


def _run_each(
    job: str,
    candidates: list[tuple[int, str]],
    model,
    work: Callable[[int], int],
) -> int:
    """Run ``work(pk)`` once per claimed (pk, occasion); return how many ran."""
    ran = 0
    for pk, occasion in candidates:
        try:
            with transaction.atomic():
                _lock_or_skip(model, pk)
                if not claim(job, pk, occasion):
                    continue
                work(pk)
            ran += 1
        except _Skip:
            continue
        except OperationalError as exc:  # SQLite busy, lock timeout: next run
            logger.warning("schedule %s %s: retry later (%s)", job, pk, exc)
        except Exception:
            logger.exception("schedule %s %s failed", job, pk)
    return ran


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Remind recipients who have not answered, once per consultation, when its
    deadline is within the reminder window. Consultations sent inside the
    window get no reminder (the invitation itself is recent)."""
    from work.actions.consultations import consultation_url
    from work.actions.notifications import notify

    now = now or timezone.now()
    window = reminder_window()
    candidates = list(
        Consultation.objects.filter(
            _not_run(REMIND),
            status=ConsultationStatus.OPEN,
            deadline__gt=now,
            deadline__lte=now + window,
        ).values_list("pk", "deadline", "created_at")
    )
    due = [
        (pk, "before-deadline")
        for pk, dl, created in candidates
        if created <= dl - window
    ]

    def remind(pk: int) -> int:
        consultation = Consultation.objects.get(pk=pk)
        users = [
            r.user
            for r in ConsultationRecipient.objects.filter(
                consultation_id=pk, opinion=""
            ).select_related("user")
        ]
        notify(
            users,
            kind="consultation.reminder",
            title=_("Nhắc trả lời xin ý kiến: %(title)s")
            % {"title": consultation.title},
            body=_("Hạn trả lời: %(deadline)s. Đồng chí chưa gửi ý kiến.")
            % {
                "deadline": timezone.localtime(consultation.deadline).strftime(
                    "%H:%M %d/%m/%Y"
                )
            },
            url=consultation_url(consultation),
        )
        return len(users)

    return _run_each(REMIND, due, Consultation, remind)


def close_due_consultations(now: datetime.datetime | None = None) -> int:
    """Close every open consultation whose deadline has passed (once each)."""
    from work.actions.consultations import close_consultation

    now = now or timezone.now()
    due = [
        (pk, "deadline")
        for pk in Consultation.objects.filter(
            status=ConsultationStatus.OPEN, deadline__lte=now
        ).values_list("pk", flat=True)
    ]

    def close(pk: int) -> int:
        try:
            close_consultation(None, Consultation(pk=pk))
        except ActionError as exc:
            if exc.code != "already_closed":
                raise
        return 1

    return _run_each(CLOSE, due, Consultation, close)


def mark_overdue_assignments(today: datetime.date | None = None) -> int:
    """Tell the assignee and the assigner, once per deadline, that a task is
    overdue (owed past its deadline)."""
    from work.actions.assignments import (
        _assigner_managers,
        assignee_contacts,
        assignment_url,
    )
    from work.actions.notifications import notify

    today = today or timezone.localdate()
    owed = list(
        Assignment.objects.filter(
            status__in=OWED_STATUSES, deadline__lt=today
        ).values_list("pk", "deadline")
    )
    runs = set(
        ScheduledRun.objects.filter(
            job=OVERDUE, object_id__in=[pk for pk, _d in owed]
        ).values_list("object_id", "occasion")
    )
    due = [
        (pk, deadline.isoformat())
        for pk, deadline in owed
        if (pk, deadline.isoformat()) not in runs
    ]

    def mark(pk: int) -> int:
        assignment = Assignment.objects.select_related(
            "body", "assignee_body", "assignee_unit", "assignee_user"
        ).get(pk=pk)
        users = assignee_contacts(assignment) + _assigner_managers(assignment)
        notify(
            users,
            kind="assignment.overdue",
            title=_("Nhiệm vụ quá hạn: %(title)s") % {"title": assignment.title},
            body=_(
                "Hạn hoàn thành %(deadline)s đã qua; %(who)s chưa báo cáo hoàn thành."
            )
            % {
                "deadline": assignment.deadline.strftime("%d/%m/%Y"),
                "who": assignment.assignee_label,
            },
            url=assignment_url(assignment),
        )
        return len(users)

    return _run_each(OVERDUE, due, Assignment, mark)


def build_missing_reports(now: datetime.datetime | None = None) -> int:
    """Build reports of consultations closed over two minutes ago whose report
    task did not run or failed (idempotent; a failure is retried next run)."""
    from work import reports

    now = now or timezone.now()
    built = 0
    for pk in Consultation.objects.filter(
        status=ConsultationStatus.CLOSED,
        report_sha256="",
        closed_at__lte=now - datetime.timedelta(minutes=2),
    ).values_list("pk", flat=True)[:20]:
        try:
            reports.build_report(pk)
            built += 1
        except Exception:
            logger.exception("schedule: building report of consultation %s failed", pk)
    return built


def sweep_vote_keys() -> int:
    """Destroy the key files of secret votes that are closed or gone (a
    process died between a close's commit and the key's destruction)."""
    from meetings import ballot_seal

    return ballot_seal.sweep_keys()


def apply_due_membership_ends(today: datetime.date) -> int:
    """Membership end dates that pass take effect: groups and meeting seats."""
    from accounts.actions import apply_due_membership_ends as apply

    return apply(today)


def forget_room_commands() -> int:
    """Delete the room's stored command answers older than a day."""
    from meetings.actions.commands import forget_commands

    return forget_commands()


def forget_form_tokens(now: datetime.datetime) -> int:
    """Delete the create forms' one-time tokens older than a week."""
    from submissions.once import forget_form_tokens as forget

    return forget(now)


SYNC_GROUPS = "accounts.body_groups"


def sync_body_groups_daily(now: datetime.datetime | None = None) -> int:
    """Bring every body's members group in step once a day, for memberships
    that start or end by date (claimed per local date, like the other jobs).
    Returns how many bodies were checked (0 when already done today)."""
    from accounts.actions import sync_all_body_groups

    today = timezone.localdate(now or timezone.now())
    with transaction.atomic():
        if not claim(SYNC_GROUPS, 0, today.isoformat()):
            return 0
        return sync_all_body_groups(on=today)


def run_due_jobs(now: datetime.datetime | None = None) -> dict[str, int]:
    """Run every scheduled job once; return how many objects each handled."""
    now = now or timezone.now()
    jobs = {
        "closed": lambda: close_due_consultations(now),
        "reminded": lambda: send_due_reminders(now),
        "overdue": lambda: mark_overdue_assignments(timezone.localdate(now)),
        "reports": lambda: build_missing_reports(now),
        "vote_keys": sweep_vote_keys,
        "memberships": lambda: apply_due_membership_ends(timezone.localdate(now)),
        "room_commands": forget_room_commands,
        "form_tokens": lambda: forget_form_tokens(now),
        "body_groups": lambda: sync_body_groups_daily(now),
    }
    done = {}
    for name, job in jobs.items():
        try:
            done[name] = job()
        except OperationalError as exc:  # database busy: the next run does it
            logger.warning("schedule: %s deferred (%s)", name, exc)
            done[name] = 0
    return done
