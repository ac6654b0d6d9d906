"""Reading the client's text frames and writing ``error`` answers.

Every malformed frame gets a documented error code (docs/protocol.md), never
``internal`` and never a 1011 close: a frame that is not text, too large, not
JSON, nested too deeply for the parser, holding a lone UTF-16 surrogate (JSON
allows ``"\\ud800"``, PostgreSQL refuses it), not an object with a ``type``,
or a command whose ``id`` is not a short non-empty string or number.
"""

from __future__ import annotations

import json

MAX_MESSAGE_BYTES = 64 * 1024
MAX_ID_LENGTH = 64


def error_frame(code: str, message: str, *, command_id: object = None) -> str:
    """Serialise an ``error`` answer once; ``id`` is ``null`` when the error
    cannot name the command (the frame could not be read, or had no id)."""
    frame = {"type": "error", "id": command_id, "code": code, "message": message}
    return json.dumps(frame, ensure_ascii=False)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_frame(text_data: str | None) -> tuple[dict | None, str | None]:
    """Return ``(message, None)`` or ``(None, error_frame)`` for a raw text frame."""
    if text_data is None:
        return None, error_frame(
            "bad_message", "Chỉ nhận thông điệp dạng văn bản JSON."
        )
    if len(text_data.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        return None, error_frame("too_large", "Thông điệp quá lớn (tối đa 64 KB).")
    try:
        message = json.loads(text_data)
    except RecursionError:
        return None, error_frame(
            "too_deep", "Thông điệp lồng nhau quá sâu; không đọc được."
        )
    except ValueError:
        return None, error_frame("bad_json", "Thông điệp không phải JSON hợp lệ.")
    # A surrogate can only come from a \u escape (a text frame is valid
    # UTF-8), so only frames with an escape are checked, after parsing.
    if ("\\u" in text_data or _has_lone_surrogate(text_data)) and (
        _has_lone_surrogate(json.dumps(message, ensure_ascii=False))
    ):
        command_id = message.get("id") if isinstance(message, dict) else None
        if isinstance(command_id, str) and _has_lone_surrogate(command_id):
            command_id = None
        return None, error_frame(
            "bad_text",
            "Thông điệp chứa ký tự không hợp lệ (nửa cặp UTF-16 đứng riêng).",
            command_id=usable_id({"id": command_id}),
        )
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return None, error_frame(
            "bad_message", "Thông điệp phải là một đối tượng JSON có trường “type”."
        )
    return message, None


def command_id_error(command_id: object) -> str | None:
    """The error frame for a bad command ``id`` (None: the id is usable or absent).

    An id is a non-empty string or an integer, at most 64 characters.
    """
    if command_id is None:
        return None
    if (
        isinstance(command_id, bool)
        or not isinstance(command_id, str | int)
        or len(str(command_id)) > MAX_ID_LENGTH
    ):
        return error_frame(
            "bad_message", "Mã lệnh “id” phải là chuỗi hoặc số, tối đa 64 ký tự."
        )
    if isinstance(command_id, str) and not command_id.strip():
        return error_frame("bad_message", "Mã lệnh “id” không được để trống.")
    return None


def usable_id(message: dict | None) -> object:
    """The message's command id if it is a usable one, else None."""
    if not isinstance(message, dict):
        return None
    command_id = message.get("id")
    return command_id if command_id_error(command_id) is None else None
