from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Oversight by the HĐND: questions to officials and voters' petitions."""

    name = "oversight"
    verbose_name = "Chất vấn và kiến nghị cử tri"

    def ready(self) -> None:
        # The minutes (meetings, below us) list the question segment through
        # this registry; meetings never imports oversight.
        from meetings import minutes_sections
        from oversight.minutes import segment_sections

        minutes_sections.register(segment_sections)
