"""Catalogues: every marked message has a ru and a kk translation; Accept-Language picks the language."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir

from kuzet.core.i18n import LOCALE_DIR, LOCALES, catalogue, negotiate, translate


def marked_messages() -> set[str]:
    package = LOCALE_DIR.parent
    found = extract_from_dir(str(package), method_map=[("**.py", "python")], keywords={"N_": None})
    return {str(message) for _file, _line, message, _comments, _context in found}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_message_is_translated(locale: str) -> None:
    missing = marked_messages() - set(catalogue(locale))
    assert not missing, f"{locale} lacks: {sorted(missing)}"


def test_translations_keep_their_placeholders() -> None:
    for locale in LOCALES:
        for message, text in catalogue(locale).items():
            for name in ("{count}", "{username}", "{min_length}", "{max_length}", "{retry_after}"):
                assert (name in message) == (name in text), (locale, message)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "ru"),
        ("", "ru"),
        ("kk", "kk"),
        ("kk-KZ,ru;q=0.8", "kk"),
        ("en-US,en;q=0.9", "en"),
        ("de-DE,en;q=0.5,kk;q=0.7", "kk"),
        ("fr", "ru"),
        ("en;q=0", "ru"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_translate_fills_placeholders() -> None:
    assert (
        translate("The request has {count} invalid field(s).", "ru", count=2)
        == "В запросе неверных полей: 2."
    )
