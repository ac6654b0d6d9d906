from django.apps import AppConfig


class NghisuConfig(AppConfig):
    """The project's own commands (backup, restore); no models."""

    name = "nghisu"
    verbose_name = "Nghị Sự"
