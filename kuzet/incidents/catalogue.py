"""The category catalogue: incident types with names in three languages, a default priority and the agencies
that must also be told. Pure; the shipped starting set is `categories.json`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Final

SHIPPED: Final = Path(__file__).with_name("categories.json")
SEARCH_WORDS: Final = Path(__file__).with_name("category_words.json")


class Agency(StrEnum):
    FIRE = "fire_101"
    AMBULANCE = "ambulance_103"
    GAS = "gas_104"
    EMERGENCY = "emergency_112"


class Group(StrEnum):
    """Categories of one group may describe the same event (a fight and an assault, say)."""

    VIOLENCE = "violence"
    PROPERTY = "property"
    TRAFFIC = "traffic"
    PUBLIC_ORDER = "public_order"
    PERSONS = "persons"
    HAZARD = "hazard"
    FRAUD = "fraud"
    DRUGS_WEAPONS = "drugs_weapons"
    ADMIN = "admin"
    OTHER = "other"


@dataclass(frozen=True)
class Category:
    code: str
    group: Group
    priority: int
    agencies: tuple[Agency, ...]
    names: Mapping[str, str]
    active: bool = True

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["ru"]


def compatible(a: Category, b: Category) -> bool:
    """Could two reports of these categories be about one event? Same group, or either is `other`."""
    return a.group is b.group or Group.OTHER in (a.group, b.group)


def category_from_json(item: Mapping[str, Any]) -> Category:
    return Category(
        code=str(item["code"]),
        group=Group(item["group"]),
        priority=int(item["priority"]),
        agencies=tuple(Agency(a) for a in item["agencies"]),
        names={k: str(v) for k, v in item["name"].items()},
        active=bool(item.get("active", True)),
    )


def shipped_categories() -> list[Category]:
    return [category_from_json(item) for item in json.loads(SHIPPED.read_text(encoding="utf-8"))]


@cache
def _search_words() -> dict[str, dict[str, tuple[str, ...]]]:
    raw: dict[str, Any] = json.loads(SEARCH_WORDS.read_text(encoding="utf-8"))
    return {
        code: {locale: tuple(words) for locale, words in by_locale.items()}
        for code, by_locale in raw.items()
        if not code.startswith("_")
    }


def search_words(code: str) -> Mapping[str, tuple[str, ...]]:
    """What callers say for a category besides its names, per language («пропал» for a missing person),
    for the call form's category search. Shipped with Kuzet for the shipped codes; none for others."""
    return _search_words().get(code, {})
