"""The English catalogue (locale/en) is complete: every entry has an English
text that is not fuzzy, every translatable string of the Python code and the
templates is in it, and the compiled catalogue answers each one in English.

The second check extracts the strings the way the project does
(``makemessages -l en --ignore=.venv --ignore=var --ignore=tests``) into a
temporary tree of links to the sources, so the real catalogue is never
rewritten, and compares the msgids."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
# What makemessages must not read (the project's own --ignore list, plus
# folders without sources).
NOT_SOURCES = {"tests", "var", "locale", "media", "test-artifacts", "docs"}


def _entries(path: Path) -> list[dict]:
    """The catalogue's entries (header excluded): context, msgid, plural,
    translations and flags. A small reader for what makemessages writes."""
    entries: list[dict] = []
    entry: dict | None = None
    field = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            entry, field = None, None
            continue
        if line.startswith("#"):
            if entry is None:
                entry = {"flags": set(), "msgstr": {}}
                entries.append(entry)
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
            entries.append(entry)
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            field, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
        if field.startswith("msgstr"):
            entry["msgstr"][field] = entry["msgstr"].get(field, "") + value
        else:
            entry[field] = entry.get(field, "") + value
    return [e for e in entries if e.get("msgid")]


def _key(entry: dict) -> tuple[str, str]:
    return entry.get("msgctxt", ""), entry["msgid"]


ENTRIES = _entries(PO)


def test_every_entry_has_an_english_text_and_none_is_fuzzy():
    missing = [
        _key(e)
        for e in ENTRIES
        if "fuzzy" in e["flags"] or not all(e["msgstr"].values()) or not e["msgstr"]
    ]
    assert not missing, f"{len(missing)} entries without English: {missing[:10]}"


def test_the_compiled_catalogue_answers_in_english():
    """locale/en/LC_MESSAGES/django.mo is up to date with the .po."""
    wrong = []
    with translation.override("en"):
        for entry in ENTRIES:
            if "msgid_plural" in entry:
                continue
            if "msgctxt" in entry:
                text = translation.pgettext(entry["msgctxt"], entry["msgid"])
            else:
                text = translation.gettext(entry["msgid"])
            if text != entry["msgstr"]["msgstr"]:
                wrong.append(_key(entry))
    assert not wrong, (
        f"{len(wrong)} strings not compiled (compilemessages): {wrong[:10]}"
    )


def test_every_translatable_string_of_the_code_is_in_the_catalogue(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed to extract the strings")
    for child in ROOT.iterdir():
        if child.name.startswith(".") or child.name in NOT_SOURCES:
            continue
        (tmp_path / child.name).symlink_to(child)
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--symlinks",
            "--no-location",
            "--no-obsolete",
            "-v0",
        ],
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "1"},
        check=True,
        timeout=300,
    )
    extracted = {
        _key(e) for e in _entries(tmp_path / "locale/en/LC_MESSAGES/django.po")
    }
    assert extracted, "makemessages extracted nothing"
    missing = sorted(extracted - {_key(e) for e in ENTRIES})
    assert not missing, (
        f"{len(missing)} strings are not in locale/en (run makemessages, then "
        f"translate them): {missing[:10]}"
    )
