"""Address texts as search keys: case, diacritics, punctuation, particles and street type words («ул.»,
«көшесі», «пр-т», «Av.», «Str.») folded away and Russian genitive endings cut back («ул. Абая» → «абай»);
house numbers compared and placed between their neighbours. Pure functions of the gazetteer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final
from unicodedata import combining, normalize

# Street type words per class, as people write them (ru, kk, en, ca, es, de); folded like the text itself.
_TYPE_WORDS: Final = {
    "street": "ул улица көш көше көшесі st street str straße c carrer carrere calle",
    "avenue": "пр пр-т просп проспект даңғ даңғылы ave av avda avenue avinguda avenida allee",
    "lane": "пер переулок тупик тұйық тұйығы lane ln camí passatge ptge weg gasse",
    "boulevard": "б-р бул бульвар бульвары blvd boulevard passeig pg",
    "district": "мкр мкрн мкр-н микрорайон шағын аудан ауданы district",
    "square": "пл площадь алаң алаңы sq square pl plaça plaza platz",
    "road": "ш шоссе rd road ctra carretera",
}
# Particles that carry no meaning for matching: Romance and German articles, «им.», «д.» before a number.
_STOP_WORDS: Final = "de del dels d l la les el els i y of the der die das an им имени и д дом үй no num"
_CHAR_MAP: Final = str.maketrans({"ß": "ss", "·": ""} | dict(zip("әғқңөұүһіё", "агкноуухие", strict=True)))
_TOKEN: Final = re.compile(r"\d+ ?[a-zа-я](?!\w)|\w+(?:[-/]\w+)*")  # «10 А» is one house number
HOUSE: Final = re.compile(r"\d+ ?[a-zа-я]?(?:[-/]\d+[a-zа-я]?)?")
_VOWELS: Final = frozenset("аеиоуыэюяй")
_HOUSE_LETTERS: Final = str.maketrans("абвгдеж", "abvgdez")


def fold(text: str) -> str:
    """Lower case, Kazakh letters as their Russian neighbours, no diacritics (the breve of «й» stays)."""
    parts = normalize("NFKD", text.lower().translate(_CHAR_MAP))
    return normalize("NFC", "".join(c for c in parts if c == "\u0306" or not combining(c)))


_TYPE_OF: Final = {fold(word): kind for kind, words in _TYPE_WORDS.items() for word in words.split()}
_STOP: Final = frozenset(fold(_STOP_WORDS).split())


def _stem(token: str) -> str:
    """Cut a German «-straße» suffix and a Russian genitive ending, so both grammatical forms meet."""
    if token.isascii():
        if token.endswith("strasse") and len(token) > 9:
            return token[:-7]
        return token[:-3] if token.endswith("str") and len(token) > 6 else token
    if len(token) < 4 or not token.isalpha():  # Latin ones are ASCII by now: this word is Cyrillic
        return token
    if token.endswith(("овой", "евой", "иной", "ыной")):  # Мамановой → маманов
        return token[:-2]
    if token[-1] == "я":  # Абая → абай, Гоголя → гоголь
        return token[:-1] + ("й" if token[-2] in _VOWELS else "ь")
    if token[-1] == "а" and token[-2] not in _VOWELS and token[-2] not in "ьъ":  # Назарбаева → назарбаев
        return token[:-1]
    return token


def analyse(text: str) -> tuple[list[str], str | None]:
    """The key tokens of a text and the street type its type word names (None without one)."""
    pending = _TOKEN.findall(fold(text))
    kept: list[str] = []
    dropped: list[str] = []
    kind: str | None = None
    while pending:
        token = pending.pop(0)
        if token in _TYPE_OF or token in _STOP:
            kind = kind or _TYPE_OF.get(token)
            dropped.append(token)
        elif HOUSE.fullmatch(token):
            kept.append(token)
        elif "-" in token or "/" in token:  # «Самал-2», «C/Major»: the parts are words of their own
            pending[:0] = re.split(r"[-/]", token)
        else:
            kept.append(_stem(token))
    return (kept or [_stem(token) for token in dropped]), kind


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """The search key of a street, place or address text: «пр-т Назарбаева 10» → «назарбаев 10»."""
    return " ".join(analyse(text)[0])


def house_key(number: str) -> str:
    return re.sub(r"\s+", "", fold(number)).translate(_HOUSE_LETTERS)


def house_number(number: str) -> int | None:
    """The leading integer of a house number («23-25» → 23, «10А» → 10), None without one."""
    found = re.match(r"\d+", number)
    return int(found[0]) if found else None


def houses_around(numbered: list[tuple[int, int]], wanted: int) -> tuple[int, int, float] | None:
    """The tagged houses around `wanted` (address indices) and how far along from the lower one, preferring
    houses on its own side of the street (the same parity); one side only gives that house twice."""
    for side in ([n for n in numbered if n[0] % 2 == wanted % 2], numbered):
        below = [n for n in side if n[0] < wanted]
        above = [n for n in side if n[0] > wanted]
        if below and above:
            (low, i), (high, j) = max(below), min(above)
            return i, j, (wanted - low) / (high - low)
        if below or above:
            nearest = max(below) if below else min(above)
            return nearest[1], nearest[1], 0.0
    return None


def house_match(query: str, number: str) -> float:
    """How well a typed house number fits a tagged one: exact, one of a list or range, or the same digits."""
    if query == number:
        return 1.0
    for part in re.split(r"[;,]", number):
        bounds = re.fullmatch(r"(\d+)-(\d+)", part)
        if part == query or (bounds and query.isdigit() and int(bounds[1]) <= int(query) <= int(bounds[2])):
            return 0.97
    digits = re.sub(r"\D.*", "", query)
    return 0.9 if digits and digits == re.sub(r"\D.*", "", number) else 0.0
