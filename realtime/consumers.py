"""WebSocket consumers: thin translators between the wire and actions."""

from __future__ import annotations

import json
import logging

from channels.generic.websocket import AsyncWebsocketConsumer

logger = logging.getLogger(__name__)

# Close codes in the 4000 range are ours; docs/protocol.md lists them.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
MAX_MESSAGE_BYTES = 64 * 1024


def error_frame(code: str, message: str, *, command_id: object = None) -> str:
    """Serialise an ``error`` answer once."""
    frame: dict[str, object] = {"type": "error", "code": code, "message": message}
    if command_id is not None:
        frame["id"] = command_id
    return json.dumps(frame, ensure_ascii=False)


def parse_frame(text_data: str | None) -> tuple[dict | None, str | None]:
    """Return ``(message, None)`` or ``(None, error_frame)`` for a raw text frame."""
    if text_data is None:
        return None, error_frame(
            "bad_message", "Chỉ nhận thông điệp dạng văn bản JSON."
        )
    if len(text_data.encode()) > MAX_MESSAGE_BYTES:
        return None, error_frame("too_large", "Thông điệp quá lớn (tối đa 64 KB).")
    try:
        message = json.loads(text_data)
    except ValueError:
        return None, error_frame("bad_json", "Thông điệp không phải JSON hợp lệ.")
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return None, error_frame(
            "bad_message", "Thông điệp phải là một đối tượng JSON có trường “type”."
        )
    return message, None


class PingConsumer(AsyncWebsocketConsumer):
    """``/ws/ping/``: answers ``ping`` with ``pong``, for signed-in users only.

    Lets a tablet (and the operators) check that sockets reach the server
    through proxies and that the session authenticates them.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        message, error = parse_frame(text_data)
        if error is not None:
            await self.send(text_data=error)
            return
        if message["type"] == "ping":
            await self.send(text_data='{"type": "pong"}')
            return
        await self.send(
            text_data=error_frame(
                "unknown_type",
                "Loại thông điệp không được hỗ trợ.",
                command_id=message.get("id"),
            )
        )
