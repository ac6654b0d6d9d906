"""Every user-facing string of the digital signature feature has its English
translation (locale/en), the badge and the panel included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    "documents/signatures.py",
    "documents/personal_signing.py",
    "documents/certificate_views.py",
    "documents/signature_admin.py",
    "meetings/actions/minutes_signing.py",
]
TEMPLATES = [
    "templates/documents/_signature_badge.html",
    "templates/documents/_signatures.html",
    "templates/documents/certificates_mine.html",
]
_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop"}


def _python_msgids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _CALLS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _template_msgids(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r"""{% translate (?:"([^"]+)"|'([^']+)')""", text))
    found = {a or b for a, b in found}
    for body in re.findall(r"{% blocktranslate[^%]*%}(.*?){% endblocktranslate", text):
        found.add(re.sub(r"{{ (\w+) }}", r"%(\1)s", body))
    return found


def _msgids() -> list[str]:
    ids: set[str] = set()
    for name in SOURCES:
        ids |= _python_msgids(ROOT / name)
    for name in TEMPLATES:
        ids |= _template_msgids(ROOT / name)
    return sorted(ids)


@pytest.mark.parametrize("msgid", _msgids())
def test_each_signature_string_has_an_english_translation(msgid):
    with translation.override("en"):
        assert translation.gettext(msgid) != msgid


def test_the_panel_and_badge_speak_english():
    from documents import signatures

    with translation.override("en"):
        [row] = signatures.describe(
            [{"valid": True, "modification": "annotations", "revocation": "good"}]
        )
        assert row["modification"].startswith("Annotations")
        assert row["revocation"].startswith("Not revoked")
        assert (
            translation.gettext("Đã ký số, có thêm ghi chú sau khi ký")
            == "Digitally signed, notes added after signing"
        )
