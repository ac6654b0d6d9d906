from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Meetings: agenda, participants, attendance, votes, conclusions, minutes."""

    name = "meetings"
    verbose_name = "Cuộc họp"

    def ready(self) -> None:
        from accounts.signals import membership_ended
        from meetings.actions.people import on_membership_ended

        membership_ended.connect(on_membership_ended, dispatch_uid="meetings.seats")

        # Annotations shared with a meeting ask it through this (documents
        # sits below meetings and never imports it).
        from documents import meeting_scope
        from meetings import annotation_scope

        meeting_scope.install(annotation_scope)
