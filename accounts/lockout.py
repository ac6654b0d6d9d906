"""Sign-in throttling on top of django-axes: the client's address, and a limit
of failures per address across usernames (password spraying).

django-axes locks one username on one address after ``AXES_FAILURE_LIMIT``
failures. One try on each of many accounts never reaches that, so
:class:`AddressThrottlingHandler` also counts every failure from an address,
whatever the username, and refuses that address once it reaches
``AXES_ADDRESS_FAILURE_LIMIT`` within the cool-off time (until failures age
out of that window). A successful sign-in clears only that username's failures,
as before.

The address is :func:`client_ip`: ``REMOTE_ADDR``, unless that is one of the
``TRUSTED_PROXIES``; only then is ``X-Forwarded-For`` read, from the right,
skipping trusted proxies. A header sent by the client itself is never believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries if e)


def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as far as it can be trusted.

    ``REMOTE_ADDR`` when it is not a trusted proxy (the default: no proxy is
    trusted, and ``X-Forwarded-For`` is ignored). Behind trusted proxies, the
    right-most address of ``X-Forwarded-For`` that is not itself a trusted
    proxy: the one the first trusted proxy saw connecting. Addresses further
    left are written by the client and could be anything.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    peer = _address(remote or "")
    if peer is None or not any(peer in net for net in trusted):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for raw in reversed(hops):
        hop = _address(raw)
        if hop is None:
            break  # garbage left of the trusted hops: keep the last sure address
        peer = hop
        if not any(hop in net for net in trusted):
            break
    return str(peer)


def address_failures(ip: str | None) -> int:
    """Failed sign-ins from ``ip`` within the cool-off time, all usernames."""
    if not ip:
        return 0
    since = timezone.now() - get_cool_off()
    return (
        AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )


def address_locked(request) -> bool:
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    return bool(limit) and address_failures(ip) >= limit


class AddressThrottlingHandler(AxesDatabaseHandler):
    """axes' database handler, plus the limit per address across usernames.

    A request refused for its address carries ``axes_address_locked`` so the
    lock-out page says why.
    """

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if address_locked(request):
            request.axes_address_locked = True
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if address_locked(request):
            request.axes_locked_out = True
            request.axes_address_locked = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=credentials.get(settings.AXES_USERNAME_FORM_FIELD),
                ip_address=request.axes_ip_address,
            )
