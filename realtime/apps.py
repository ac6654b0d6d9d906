from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """WebSocket transport: consumers, routing and event publishing; no domain rules."""

    name = "realtime"
    verbose_name = "Thời gian thực"

    def ready(self) -> None:
        from nghisu import publish
        from realtime import checks, signals, transport  # noqa: F401  (registers them)

        # The inversion point: the domain publishes through nghisu.publish and
        # this app delivers, so no domain module imports the transport.
        publish.install(transport.deliver)
