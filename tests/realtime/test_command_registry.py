"""The command registry: every room command is documented, and calls an action."""

from __future__ import annotations

import re
from pathlib import Path

from realtime.commands import registered

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> set[str]:
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = text.split("## 5. Commands", 1)[1].split("### Error codes", 1)[0]
    return set(re.findall(r"^\| `([a-z_.]+)` \|", section, flags=re.M))


def test_every_registered_command_is_in_the_protocol_and_back():
    assert set(registered()) == _documented() - {"ping", "room.sync"}


def test_every_command_calls_an_action_of_meetings():
    for kind, command in registered().items():
        action = command.action
        module = action.__module__
        if module == "realtime.commands_meeting":  # vote.open: by id or new
            assert action.__name__ == "open_vote", kind
            continue
        assert module.startswith("meetings.actions."), (kind, module)
