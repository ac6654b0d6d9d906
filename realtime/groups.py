"""Channel-layer group names, built and checked in one place.

channels_redis refuses a group name that is not ASCII letters, digits, ``-``,
``_`` and ``.``, or that is 100 characters or longer: it raises, the publish is
lost, and nothing else notices (a list of user ids once made
``nghisu.user.[5, 6]``). Every group the project uses is built here from an
integer id and checked, so a wrong argument raises where it is passed.
"""

from __future__ import annotations

import re

_VALID = re.compile(r"^[a-zA-Z0-9\-_.]{1,99}$")


def checked(name: str) -> str:
    """Return ``name`` if a channel layer accepts it as a group, else raise."""
    if not isinstance(name, str) or not _VALID.fullmatch(name):
        raise ValueError(f"invalid channel-layer group name: {name!r}")
    return name


def _id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a group is named by one integer id, not {value!r}")
    return value


def room_group(meeting_id: int) -> str:
    """A meeting's room: one member per web process with a socket in it."""
    return checked(f"nghisu.room.{_id(meeting_id)}")


def user_group(user_id: int) -> str:
    """One user's sockets (room and bell): one member per web process."""
    return checked(f"nghisu.user.{_id(user_id)}")
