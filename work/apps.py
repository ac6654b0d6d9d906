from django.apps import AppConfig


class WorkConfig(AppConfig):
    """Work between meetings: written consultations and assignments."""

    name = "work"
    verbose_name = "Công việc"

    def ready(self) -> None:
        from nghisu import notify
        from work.actions.notifications import notify as create_notifications

        # The inversion point: meetings notify through nghisu.notify, so they
        # never import work (which reads meetings).
        notify.install(create_notifications)
