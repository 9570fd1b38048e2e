"""Message catalogues (Babel .po files) for ru (default), kk and en, chosen by Accept-Language."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALES = ("ru", "kk", "en")
DEFAULT_LOCALE = "ru"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def N_(message: str) -> str:  # noqa: N802 - the customary gettext marker name
    """Mark a message id for extraction; it is translated when it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - the marker of a counted message
    """Mark a message with a plural form (msgid and msgid_plural); translate it with `translate_plural`."""
    return singular, plural


class Term(str):
    """A placeholder value that is itself a message id (a status name, say): it is translated into the
    message's language before it fills the message, so no code reaches the operator."""

    __slots__ = ()


def _terms(params: dict[str, Any], locale: str) -> dict[str, Any]:
    words = catalogue(locale)
    return {k: words.get(v, v) if isinstance(v, Term) else v for k, v in params.items()}


@dataclass(frozen=True)
class PluralCatalogue:
    """A language's counted messages (singular id → its forms) and the rule that picks a form for n."""

    forms: dict[str, tuple[str, ...]]
    rule: Callable[[int], int]

    def form(self, singular: str, plural: str, n: int) -> str:
        forms = self.forms.get(singular)
        if not forms:
            return singular if n == 1 else plural
        index = self.rule(n)
        return forms[index] if 0 <= index < len(forms) and forms[index] else forms[-1]


def _read(locale: str) -> Catalog | None:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@lru_cache(maxsize=len(LOCALES))
def catalogue(locale: str) -> dict[str, str]:
    parsed = _read(locale)
    if parsed is None:
        return {}
    return {str(m.id): str(m.string) for m in parsed if m.id and isinstance(m.string, str) and m.string}


@lru_cache(maxsize=len(LOCALES))
def plural_catalogue(locale: str) -> PluralCatalogue:
    """The counted messages of `locale`, with its Plural-Forms rule (ru has three forms, kk and en two)."""
    parsed = _read(locale)
    if parsed is None:
        return PluralCatalogue({}, lambda n: int(n != 1))
    forms = {
        str(m.id[0]): tuple(str(s) for s in m.string)
        for m in parsed
        if m.pluralizable and isinstance(m.string, tuple) and all(m.string)
    }
    return PluralCatalogue(forms, gettext.c2py(parsed.plural_expr))


def translate(message: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    text = catalogue(locale).get(message, message)
    if not params:
        return text
    params = _terms(params, locale)
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return message.format(**params)


def translate_plural(
    message: tuple[str, str], count: int, locale: str = DEFAULT_LOCALE, /, **params: Any
) -> str:
    """The form of a counted message (marked with NP_) that agrees with `count` in `locale`, placeholders
    filled: {n} is the count, unless given formatted (e.g. with the locale's digit grouping)."""
    singular, plural = message
    text = plural_catalogue(locale).form(singular, plural, count)
    values = {"n": count, **_terms(params, locale)}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return (singular if count == 1 else plural).format(**values)


def negotiate(accept_language: str | None) -> str:
    """Pick the best of ru/kk/en from an Accept-Language header; ru when nothing matches."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LOCALES and quality > 0:
            ranked.append((-quality, position, language))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LOCALE
