"""Parsing helpers shared by the oversight views."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from nghisu.errors import ActionError


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def ids(request, name: str) -> list[int]:
    return [int(x) for x in request.POST.getlist(name) if str(x).isdigit()]


def date_field(request, name: str) -> datetime.date | None:
    try:
        return parse_date(request.POST.get(name) or "")
    except ValueError:
        return None


def datetime_field(request, name: str) -> datetime.datetime | None:
    try:
        value = parse_datetime(request.POST.get(name) or "")
    except ValueError:
        return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def refused(request, exc: ActionError, to: str):
    """Show the refusal (nothing was changed) and go back."""
    messages.error(request, exc.message)
    return redirect(to)


def done(request, text: str, to: str):
    messages.success(request, text)
    return redirect(to)


def perform(request, to: str, text: str, action, /, *args, **kwargs):
    """Run ``action(*args, **kwargs)`` for a form: on success say ``text``, on
    refusal its message (nothing was changed); either way go back to ``to``."""
    try:
        action(*args, **kwargs)
    except ActionError as exc:
        return refused(request, exc, to)
    return done(request, text, to)


def bad_choice(request, to: str):
    messages.error(request, _("Lựa chọn không hợp lệ."))
    return redirect(to)


def in_unit(unit, prefix: str = "") -> Q:
    """Agencies of ``unit`` and of the units directly under it (a province's
    departments and its communes' People's Committees)."""
    return Q(**{f"{prefix}unit": unit}) | Q(**{f"{prefix}unit__parent": unit})
