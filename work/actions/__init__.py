"""Every change in work/, split by sub-domain; import from here.

- :mod:`.notifications`: notify, read, e-mail choices;
- :mod:`.consultations`: send, answer, close, put on an agenda;
- :mod:`.assignments`: give, report, submit done, accept, return;
- :mod:`.schedule`: the jobs run by ``manage.py run_schedule``.

Every function takes the acting user first (``None`` for the scheduler where
documented), checks the permission, writes in one transaction, audits what is
sensitive and sends notifications and bell counts after commit.
"""

from work.actions.assignments import (
    accept_assignment,
    create_assignment,
    reassign_assignment,
    report_progress,
    return_assignment,
    submit_done,
)
from work.actions.consultations import (
    add_to_agenda,
    answer_consultation,
    close_consultation,
    compute_result,
    send_consultation,
)
from work.actions.notifications import (
    EMAIL_KINDS,
    email_choices,
    mark_all_read,
    mark_read,
    notify,
    set_email_preferences,
)
from work.actions.schedule import (
    build_missing_reports,
    close_due_consultations,
    mark_overdue_assignments,
    run_due_jobs,
    send_due_reminders,
)

__all__ = [
    "EMAIL_KINDS",
    "accept_assignment",
    "add_to_agenda",
    "answer_consultation",
    "build_missing_reports",
    "close_consultation",
    "close_due_consultations",
    "compute_result",
    "create_assignment",
    "email_choices",
    "mark_all_read",
    "mark_overdue_assignments",
    "mark_read",
    "notify",
    "reassign_assignment",
    "report_progress",
    "return_assignment",
    "run_due_jobs",
    "send_consultation",
    "send_due_reminders",
    "set_email_preferences",
    "submit_done",
]
