"""The home page: the signed-in user's bodies, meetings, consultations and tasks.

It gathers what every app has for the user, so it lives in ``work``, the app
that may read all the others (accounts, documents, meetings); ``accounts``
imports no app above it.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.queries import my_memberships
from meetings.queries import home_meetings
from work.queries import awaiting_answer, my_tasks


@login_required
def home(request):
    """The signed-in user's own page: their bodies and the work awaiting them."""
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": my_memberships(request.user),
            "meetings": home_meetings(request.user),
            "consultations": awaiting_answer(request.user),
            "tasks": my_tasks(request.user),
        },
    )
