"""The digital signature panel and badge speak English (the catalogue's
completeness for every feature is tests/nghisu/test_locale.py)."""

from __future__ import annotations

from django.utils import translation


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
