"""The demo: a session with 12 questions to 4 agencies, 40 petitions in every
state, the officials' accounts; idempotent."""

import pytest
from django.core.management import call_command

from oversight import queries
from oversight.models import Agency, Outcome, PetitionPeriod, Question

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_questions_and_petitions_once(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "giamdoc_yte" in out
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
