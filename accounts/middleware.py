"""End sessions after a configurable idle time without a write on every request."""

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings


class IdleSessionMiddleware:
    """Slide a signed-in session's expiry forward, at most once per interval.

    SESSION_COOKIE_AGE is the idle limit. Saving the session on every request would
    cost a write per page view; refreshing every SESSION_IDLE_REFRESH_SECONDS keeps
    the limit accurate to that interval.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        response = self.get_response(request)
        self.touch(request, getattr(request, "user", None))
        return response

    async def __acall__(self, request):
        response = await self.get_response(request)
        # Only a user the view already resolved counts: resolving it here, on
        # the event loop, would query the database (and a request that never
        # looked at its user is not activity).
        user = getattr(request, "_acached_user", None) or getattr(
            request, "_cached_user", None
        )
        self.touch(request, user)
        return response

    def touch(self, request, user) -> None:
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            last = session.get("_touched", 0)
            if now - last >= settings.SESSION_IDLE_REFRESH_SECONDS:
                session["_touched"] = now
