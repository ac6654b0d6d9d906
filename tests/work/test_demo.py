"""seed_demo's work part: the consultations and a dozen assignments, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_seed_demo_adds_consultations_and_assignments_once(
    settings, django_capture_on_commit_callbacks
):
    from work.models import Assignment, Consultation

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    call_command("seed_demo")
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
