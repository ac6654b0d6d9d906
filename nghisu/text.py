"""Text folding for search that ignores case and Vietnamese diacritics."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Return ``text`` in NFC: Vietnamese arrives both composed and decomposed."""
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without diacritics, spaces collapsed.

    "Nghị quyết" and the decomposed "Nghị quyết" both become "nghi quyet";
    "Đ"/"đ" become "d", which Unicode does not decompose.
    """
    decomposed = unicodedata.normalize("NFD", nfc(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped.lower()).strip()
