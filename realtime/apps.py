from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """WebSocket transport: consumers, routing and event publishing; no domain rules."""

    name = "realtime"
    verbose_name = "Thời gian thực"

    def ready(self) -> None:
        from nghisu import metrics, publish
        from nghisu.views import install_layer_check
        from realtime import (  # noqa: F401  (registers them)
            checks,
            commands_meeting,
            signals,
            stats,
            transport,
        )
        from realtime.health import check_layer

        # The inversion points: the domain publishes through nghisu.publish and
        # this app delivers, so no domain module imports the transport; the
        # health check reaches the layer the same way.
        publish.install(transport.deliver)
        install_layer_check(check_layer)
        metrics.register(stats.collect)
