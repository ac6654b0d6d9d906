"""Socket authentication by the Django session, on the room's database pool.

Channels' ``AuthMiddleware`` loads the session and the user through
``database_sync_to_async``: every socket of the process on one shared thread,
each opening and closing its own database connection. When 500 tablets
reconnect at once that single thread is the queue they all wait in. This
middleware does the same lookup (Channels' own ``get_user``, with its session
hash check) in :mod:`realtime.dbpool`, whose threads keep their connections.
"""

from __future__ import annotations

from channels.auth import AuthMiddleware, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware

from realtime import dbpool


class PooledAuthMiddleware(AuthMiddleware):
    """``scope["user"]`` from the session, resolved on the room's pool."""

    async def resolve_scope(self, scope) -> None:
        scope["user"]._wrapped = await dbpool.run(get_user.func, scope)


def SessionAuthStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack
    """Cookies, session and user, as ``AuthMiddlewareStack`` but pooled."""
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))
