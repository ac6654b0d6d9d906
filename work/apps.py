from django.apps import AppConfig


class WorkConfig(AppConfig):
    """Work between meetings: written consultations and assignments."""

    name = "work"
    verbose_name = "Công việc"
