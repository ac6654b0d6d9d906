"""End sessions after a configurable idle time without a write on every request."""

import time

from django.conf import settings

from nghisu.middleware import ResponseHookMiddleware


class IdleSessionMiddleware(ResponseHookMiddleware):
    """Slide a signed-in session's expiry forward, at most once per interval.

    SESSION_COOKIE_AGE is the idle limit. Saving the session on every request would
    cost a write per page view; refreshing every SESSION_IDLE_REFRESH_SECONDS keeps
    the limit accurate to that interval.
    """

    def after(self, request, response, *, is_async: bool) -> None:
        if is_async:
            # Only a user the view already resolved counts: resolving it here, on
            # the event loop, would query the database (and a request that never
            # looked at its user is not activity).
            user = getattr(request, "_acached_user", None) or getattr(
                request, "_cached_user", None
            )
        else:
            user = getattr(request, "user", None)
        self.touch(request, user)

    def touch(self, request, user) -> None:
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            last = session.get("_touched", 0)
            if now - last >= settings.SESSION_IDLE_REFRESH_SECONDS:
                session["_touched"] = now
