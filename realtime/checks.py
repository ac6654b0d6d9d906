"""A start-up check that says plainly when Redis cannot be reached."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches, deploy=False)
def check_redis(app_configs=None, **kwargs):
    """Warn (not fail): pages and actions keep working while Redis is down."""
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return []
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return [
            checks.Warning(
                f"Redis at {url} is not reachable ({exc.__class__.__name__}: {exc}).",
                hint=(
                    "Realtime events and the cache need Redis; pages and actions keep "
                    "working, tablets reconnect by themselves when it is back."
                ),
                id="nghisu.W001",
            )
        ]
    return []
