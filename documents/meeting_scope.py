"""What annotations need to know about meetings, installed by ``meetings``.

An annotation may be shared with a meeting (``Annotation.meeting``): its
participants read it, and its room gets it live. ``documents`` sits below
``meetings`` and never imports it; the meetings app installs the answers at
``ready()`` (:func:`install`, with :mod:`meetings.annotation_scope`), as the
realtime app installs the publisher (:mod:`nghisu.publish`).
"""

from __future__ import annotations

from typing import Any, Protocol


class MeetingScope(Protocol):
    def attends(self, user) -> Any:
        """Participant rows of ``user`` in the meeting ``OuterRef("meeting_id")``
        (for ``Exists``)."""

    def participant_ids(self, meeting_id: int) -> set[int]:
        """User ids of the meeting's participants (one query)."""

    def sharing_meetings(self, user, document) -> list[dict[str, Any]]:
        """Meetings ``user`` attends with ``document`` on their agenda (one query)."""

    def meeting_titles(self, user, document_ids: set[int]) -> dict[int, list[str]]:
        """Titles of meetings ``user`` attends, by document on their agenda."""

    def share_refusal(self, user, meeting_id: int, document_id: int) -> str | None:
        """Why ``user`` may not share an annotation on ``document_id`` with
        the meeting: ``"not_attending"``, ``"not_on_agenda"``, or None."""


_scope: MeetingScope | None = None


def install(scope: MeetingScope | None) -> None:
    global _scope
    _scope = scope


def scope() -> MeetingScope:
    if _scope is None:
        raise RuntimeError("no meeting scope installed: is 'meetings' installed?")
    return _scope
