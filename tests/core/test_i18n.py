"""Catalogues: every marked message has a ru and a kk translation; Accept-Language picks the language."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir

from kuzet.core.i18n import (
    LOCALE_DIR,
    LOCALES,
    catalogue,
    negotiate,
    plural_catalogue,
    translate,
    translate_plural,
)

# N_(message) marks a message; NP_(singular, plural) a counted one (msgid and msgid_plural).
KEYWORDS = {"N_": None, "NP_": (1, 2)}
PLURAL_FORMS = {"ru": 3, "kk": 2, "en": 2}


def extracted() -> list[str | tuple[str, ...]]:
    package = LOCALE_DIR.parent
    found = extract_from_dir(str(package), method_map=[("**.py", "python")], keywords=KEYWORDS)
    return [message for _file, _line, message, _comments, _context in found]


def marked_messages() -> set[str]:
    return {message for message in extracted() if isinstance(message, str)}


def marked_plurals() -> set[tuple[str, ...]]:
    return {tuple(message) for message in extracted() if not isinstance(message, str)}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_message_is_translated(locale: str) -> None:
    missing = marked_messages() - set(catalogue(locale))
    assert not missing, f"{locale} lacks: {sorted(missing)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_counted_message_has_all_its_plural_forms(locale: str) -> None:
    plurals = marked_plurals()
    assert plurals, "no NP_ marker was extracted"
    forms = plural_catalogue(locale).forms
    for singular, _plural in plurals:
        assert len(forms.get(singular, ())) == PLURAL_FORMS[locale], (locale, singular)


def test_russian_counted_messages_agree_with_their_number() -> None:
    message = (
        "{n} appeal came through the apps, through {top_partner}.",
        "{n} appeals came through the apps, most of them through {top_partner}.",
    )
    words = {
        n: translate_plural(message, n, "ru", top_partner="Kaspi").split()[1] for n in (1, 3, 11, 21, 24, 25)
    }
    assert words == {
        1: "обращение",
        3: "обращения",
        11: "обращений",
        21: "обращение",
        24: "обращения",
        25: "обращений",
    }


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
