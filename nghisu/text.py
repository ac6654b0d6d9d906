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
    return " ".join(stripped.lower().split())  # as _SPACES.sub(" ", …).strip()


# --- Vietnamese name order ----------------------------------------------------------------

# The letters in the Vietnamese alphabet's order, with f, j, w, z (foreign names) in
# their Latin places; digits before letters. Each sorts as a two-digit code.
_ALPHABET = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_CODES = {ch: f"{n + 10:02d}" for n, ch in enumerate(_ALPHABET)}
_MODIFIED = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
# The tones after the letters: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def _letters(word: str) -> tuple[str, str]:
    """A word's letter codes and tone digits."""
    codes, tones = [], []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            if tones:
                tones[-1] = _TONES[ch]
        elif unicodedata.combining(ch):
            if codes and (codes[-1][1], ch) in _MODIFIED:
                letter = _MODIFIED[(codes[-1][1], ch)]
                codes[-1] = (_CODES[letter], letter)
        elif ch in _CODES:
            codes.append((_CODES[ch], ch))
            tones.append("0")
    return "".join(c for c, _ in codes), "".join(tones)


def name_sort_key(full_name: str) -> str:
    """A key that sorts people's names in Vietnamese order, as a plain string.

    By given name (the last word), then family name (the first), then middle
    names; letters in the Vietnamese alphabet's order (a ă â … d đ … o ô ơ …
    u ư), the tones deciding between words of the same letters. The key is made of
    digits only, so ``ORDER BY`` gives the same order in SQLite and in PostgreSQL
    under any collation: "Hà" before "Hoàng", "Đ…" after "D…" and before "E…".
    """
    words = nfc(full_name).split()
    if len(words) > 1:
        words = [words[-1], words[0], *words[1:-1]]
    # Each word: its letters, "0" (below any letter: "Hà" before "Hài"), its
    # tones (as many digits as letters, so equal letters end equally).
    return "".join(f"{letters}0{tones}" for letters, tones in map(_letters, words))
