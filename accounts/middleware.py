"""End sessions after a configurable idle time without a write on every request."""

import time

from django.conf import settings


class IdleSessionMiddleware:
    """Slide a signed-in session's expiry forward, at most once per interval.

    SESSION_COOKIE_AGE is the idle limit. Saving the session on every request would
    cost a write per page view; refreshing every SESSION_IDLE_REFRESH_SECONDS keeps
    the limit accurate to that interval.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            last = session.get("_touched", 0)
            if now - last >= settings.SESSION_IDLE_REFRESH_SECONDS:
                session["_touched"] = now
        return response
