"""Length-prefixed JSON frames with raw binary attachments.

A message is a 4-byte big-endian header length, a UTF-8 JSON header and then
the raw bytes of every attachment listed in the header's ``"$blobs"`` array of
lengths. ``bytes`` values anywhere in the payload travel as attachments and are
referenced as ``{"$blob": index}``; tuples become lists. JSON (not pickle) is
used on purpose: a worker that a hostile PDF managed to subvert must not be able
to run code in the parent by sending a crafted message.
"""

from __future__ import annotations

import json
import struct
from typing import Any

#: Refuse headers larger than this (protects the parent's memory).
MAX_HEADER = 64 * 1024 * 1024
#: Refuse a message whose attachments add up to more than this.
MAX_BLOBS = 512 * 1024 * 1024

_LEN = struct.Struct(">I")


class ProtocolError(Exception):
    """A frame was malformed or too large."""


def _strip(obj: Any, blobs: list[bytes]) -> Any:
    if isinstance(obj, bytes | bytearray | memoryview):
        blobs.append(bytes(obj))
        return {"$blob": len(blobs) - 1}
    if isinstance(obj, dict):
        return {str(k): _strip(v, blobs) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_strip(v, blobs) for v in obj]
    return obj


def _restore(obj: Any, blobs: list[bytes]) -> Any:
    if isinstance(obj, dict):
        if len(obj) == 1 and "$blob" in obj:
            return blobs[obj["$blob"]]
        return {k: _restore(v, blobs) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_restore(v, blobs) for v in obj]
    return obj


def encode(payload: Any) -> list[bytes]:
    """Return the byte chunks of one message carrying ``payload``."""
    blobs: list[bytes] = []
    body = _strip(payload, blobs)
    header = json.dumps(
        {"body": body, "$blobs": [len(b) for b in blobs]},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return [_LEN.pack(len(header)), header, *blobs]


def header_length(prefix: bytes) -> int:
    """Decode and check the 4-byte header length."""
    (n,) = _LEN.unpack(prefix)
    if n > MAX_HEADER:
        raise ProtocolError(f"header too large: {n}")
    return n


def parse_header(header: bytes) -> tuple[Any, list[int]]:
    """Return the body (with blob placeholders) and the attachment lengths."""
    try:
        data = json.loads(header)
        body, sizes = data["body"], data["$blobs"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError("bad header") from exc
    if not isinstance(sizes, list) or not all(
        isinstance(s, int) and s >= 0 for s in sizes
    ):
        raise ProtocolError("bad blob list")
    if sum(sizes) > MAX_BLOBS:
        raise ProtocolError("attachments too large")
    return body, sizes


def finish(body: Any, blobs: list[bytes]) -> Any:
    """Replace blob placeholders in ``body`` by the received attachments."""
    try:
        return _restore(body, blobs)
    except (IndexError, TypeError) as exc:
        raise ProtocolError("bad blob reference") from exc
