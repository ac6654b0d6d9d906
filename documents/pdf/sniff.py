"""Detect the type of an upload from its first bytes (pure Python)."""

from __future__ import annotations

from typing import Literal

#: How many leading bytes :func:`sniff` looks at; read at least this many.
SNIFF_BYTES = 1024

Kind = Literal["pdf", "jpeg", "png"]


def sniff(data_head: bytes) -> Kind | None:
    """Return ``"pdf"``, ``"jpeg"`` or ``"png"`` by content, else ``None``.

    Pass the first :data:`SNIFF_BYTES` bytes (or more) of the file. A PDF may
    carry junk before its ``%PDF-`` header (readers accept it within the first
    1024 bytes); JPEG and PNG must start with their signatures.
    """
    head = bytes(data_head[:SNIFF_BYTES])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    idx = head.find(b"%PDF-")
    if idx >= 0 and len(head) >= idx + 8 and head[idx + 5 : idx + 6].isdigit():
        return "pdf"
    return None
