from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """WebSocket transport: consumers, routing and event publishing; no domain rules."""

    name = "realtime"
    verbose_name = "Thời gian thực"

    def ready(self) -> None:
        from nghisu import metrics
        from realtime import checks, signals, stats  # noqa: F401  (registers them)

        metrics.register(stats.collect)
