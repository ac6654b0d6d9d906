from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Oversight by the HĐND: questions to officials and voters' petitions."""

    name = "oversight"
    verbose_name = "Chất vấn và kiến nghị cử tri"
