"""The Sơn La demo (`seed_demo`, what `make run` loads): the people the README
promises, the work and oversight parts, and idempotent. One test seeds twice
and checks every app's part: a seed costs seconds, and each app's check alone
would seed twice again."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Body, Membership, Unit, User


def counts():
    return (
        User.objects.count(),
        Unit.objects.count(),
        Body.objects.count(),
        Membership.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_whole_demo_once(
    settings, capsys, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert "nghisu-demo" in out and "thuky" in out and "giamdoc_yte" in out
    _people()
    _work()
    _oversight()


def _people():
    hdnd = Body.objects.get(name="Hội đồng nhân dân tỉnh Sơn La")
    assert hdnd.memberships.filter(position="member").count() == 55
    assert hdnd.memberships.get(user__username="chutoa").position == "chair"
    assert hdnd.memberships.get(user__username="thuky").position == "secretary"
    ubnd = Body.objects.get(name="Ủy ban nhân dân tỉnh Sơn La")
    usernames = set(ubnd.memberships.values_list("user__username", flat=True))
    assert {"chutich", "vanphong", "thanhvien01", "thanhvien12"} <= usernames
    assert Unit.objects.filter(parent__name="Tỉnh Sơn La").count() == 2
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="daibieu01").check_password("nghisu-demo")
    assert hdnd.group.user_set.count() == 57


def _work():
    """The consultations and a dozen assignments in every state."""
    from work.models import Assignment, Consultation

    open_, closed = (
        Consultation.objects.get(status="open"),
        Consultation.objects.get(status="closed"),
    )
    assert open_.body.kind == closed.body.kind == "ubnd"
    assert closed.passed is True and closed.report_sha256
    # The oversight demo's assignments (written answers, petitions) aside.
    tasks = Assignment.objects.filter(question__isnull=True, petition__isnull=True)
    assert tasks.count() == 12
    shown = {a.display_status for a in tasks}
    assert shown == {
        "new",
        "in_progress",
        "awaiting_acceptance",
        "completed",
        "overdue",
    }
    assert tasks.filter(on_time=False).count() == 1
    assert not tasks.filter(meeting__isnull=True).exists()


def _oversight():
    """A session with 12 questions to 4 agencies, 40 petitions in every state."""
    from oversight import queries
    from oversight.models import Agency, Outcome, PetitionPeriod, Question

    assert Agency.objects.count() == 4
    session = Question.objects.filter(meeting__title__contains="mười một")
    assert session.count() == 12
    assert session.values("agency").distinct().count() == 4
    outcomes = {q.outcome for q in session}
    assert {Outcome.HALL, Outcome.WRITTEN, Outcome.WRITTEN_DUE} <= outcomes
    assert sum(q.is_overdue for q in session) == 1
    period = PetitionPeriod.objects.get()
    petitions = queries.period_petitions(period)
    assert len(petitions) == 40
    counts = queries.status_counts(petitions)
    assert all(counts.values()), counts


@pytest.mark.django_db
def test_seed_demo_is_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert User.objects.count() == 0
