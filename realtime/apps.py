from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """WebSocket transport: consumers, routing and event publishing; no domain rules."""

    name = "realtime"
    verbose_name = "Thời gian thực"

    def ready(self) -> None:
        from realtime import checks, signals  # noqa: F401  (registers them)
