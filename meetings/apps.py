from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Meetings: agenda, participants, attendance, votes, conclusions, minutes."""

    name = "meetings"
    verbose_name = "Cuộc họp"
