"""Every change to meetings, split by sub-domain; import from here.

- :mod:`.lifecycle`: create, update, delete (drafts), publish, start, close,
  archive;
- :mod:`.agenda`: items, sub-items, order, documents, change entries;
- :mod:`.people`: participants, invitations, answers;
- :mod:`.attendance`: check-in (one or many) and absence;
- :mod:`.records`: conclusions and minutes; :mod:`.minutes_signing`;
- the live room (import the module; its functions take the meeting's id):
  :mod:`.room` (agenda progress, presenting, start/close/check-in from the
  room), :mod:`.floor` (speakers), :mod:`.votes` (prepare, open, close,
  discard), :mod:`.ballots` (casting), :mod:`.vote_records` (the counting
  record at close), :mod:`.presence` (open sockets), :mod:`.commands` (each
  room command answered once).

Every function takes the acting user first, checks the permission, writes in
one transaction (locking the meeting row), audits what is sensitive and
publishes room events with :func:`meetings.events.publish` (after commit).
They take typed arguments, never a socket's dict: the wire format is read by
the command registry (:mod:`realtime.commands`).
"""

from meetings.actions.agenda import (
    add_item,
    attach_documents,
    delete_item,
    detach_document,
    mark_changes_seen,
    move_item,
    reorder_items,
    update_item,
    upload_document,
)
from meetings.actions.attendance import check_in, check_in_many, mark_absent
from meetings.actions.lifecycle import (
    archive_meeting,
    close_meeting,
    create_meeting,
    delete_meeting,
    publish_meeting,
    start_meeting,
    update_meeting,
)
from meetings.actions.people import (
    invite_members,
    invite_participant,
    remove_participant,
    respond_invitation,
    update_participant,
)
from meetings.actions.records import (
    approve_minutes,
    record_conclusion,
    return_minutes,
    start_minutes,
    submit_minutes,
    update_minutes,
)

__all__ = [
    "add_item",
    "approve_minutes",
    "return_minutes",
    "archive_meeting",
    "attach_documents",
    "check_in",
    "check_in_many",
    "close_meeting",
    "create_meeting",
    "delete_item",
    "delete_meeting",
    "detach_document",
    "invite_members",
    "invite_participant",
    "mark_absent",
    "mark_changes_seen",
    "move_item",
    "publish_meeting",
    "record_conclusion",
    "remove_participant",
    "reorder_items",
    "respond_invitation",
    "start_meeting",
    "start_minutes",
    "submit_minutes",
    "update_item",
    "update_meeting",
    "update_minutes",
    "update_participant",
    "upload_document",
]
