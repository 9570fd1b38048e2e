"""Who calls and what they say: names, Kazakh mobile numbers, IINs, appeal texts in Russian and Kazakh, the
mix of categories and channels, and how incidents end. Small lists and pure draws from a random generator."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, Final, TypeVar

import numpy as np

from kuzet.appeals.iin import check_digit
from kuzet.incidents.domain import Disposition

T = TypeVar("T")

MALE_NAMES: Final = (
    "Ерлан", "Нурлан", "Данияр", "Арман", "Асхат", "Ержан", "Болат", "Руслан", "Серик", "Азамат",
    "Темирлан", "Алмас", "Дмитрий", "Сергей", "Алексей", "Канат", "Бауыржан", "Жандос", "Марат", "Игорь",
)  # fmt: skip
FEMALE_NAMES: Final = (
    "Айгуль", "Гульнара", "Айгерим", "Жанар", "Динара", "Салтанат", "Мадина", "Елена", "Ольга", "Асель",
    "Камила", "Наталья", "Анара", "Меруерт", "Индира",
)  # fmt: skip
# Surnames in their masculine form; the feminine adds «а» (Сейтов → Сейтова).
SURNAMES: Final = (
    "Сейтов", "Абенов", "Омаров", "Жумабеков", "Мусин", "Касымов", "Ахметов", "Ибраев", "Нургалиев",
    "Сарсенов", "Беков", "Утегенов", "Иванов", "Петров", "Смагулов", "Тулегенов", "Исмаилов", "Кузнецов",
    "Байжанов", "Есенов", "Мухамедов", "Садыков", "Калиев", "Орлов",
)  # fmt: skip

# Mobile operators' codes in Kazakhstan (+7 7xx).
MOBILE_CODES: Final = ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")

# How common each kind of appeal is, relative to the others (categories missing from the catalogue are
# skipped by whoever draws from it).
CATEGORY_WEIGHTS: Final[Mapping[str, float]] = {
    "disturbance_neighbours": 9, "theft": 8, "noise": 7, "domestic_violence": 7,
    "traffic_accident_no_injured": 7, "fight": 6, "hooliganism": 6, "public_intoxication": 6,
    "fraud": 4, "suspicious_person": 4, "other": 4, "theft_from_vehicle": 3, "online_fraud": 3,
    "traffic_violation": 3, "illegal_parking_blocking": 3, "person_needing_help": 3,
    "traffic_accident_injured": 2, "drunk_driver": 2, "pickpocketing": 2, "burglary": 2, "threat": 2,
    "assault": 2, "vandalism": 2, "minors_at_night": 2, "lost_documents": 2, "alarm_activation": 2,
    "car_theft": 1, "robbery": 1, "road_hazard": 1, "hit_and_run": 1, "missing_person": 1,
    "medical_emergency_seen": 1, "found_property": 1, "stray_dangerous_dog": 1, "drug_offence": 1,
    "mental_health_crisis": 1, "trespass": 1, "fire_seen": 0.5, "extortion": 0.5, "child_neglect": 0.5,
    "stabbing": 0.3, "weapon_seen": 0.3, "missing_child": 0.3, "suspicious_object": 0.3,
    "gas_leak_seen": 0.2, "sexual_assault": 0.2,
}  # fmt: skip

# About 70 % of appeals come by phone to 102 and 30 % through the partner apps, mostly Kaspi and Police-102.
PARTNER_SHARE: Final = 0.30
PARTNER_WEIGHTS: Final[Mapping[str, float]] = {"police102": 0.30, "egov": 0.15, "kaspi": 0.40, "halyk": 0.15}

# What callers say, by category (Russian and Kazakh); other categories use their group's lines.
TEXTS: Final[Mapping[str, Sequence[str]]] = {
    "disturbance_neighbours": (
        "Соседи шумят и ругаются уже второй час, стучат в стену",
        "Көршілер түнде айқайлап жатыр, ұйықтауға мүмкіндік жоқ",
    ),
    "noise": ("Громкая музыка во дворе после полуночи", "Ауладағы машинадан қатты музыка ойнап тұр"),
    "domestic_violence": (
        "Муж избивает жену, слышны крики из квартиры",
        "Көрші пәтерде әйел көмек сұрап айқайлап жатыр",
    ),
    "fight": ("Драка у магазина, двое мужчин", "Дүкеннің жанында төбелес болып жатыр, бірнеше адам"),
    "hooliganism": ("Молодые люди бьют стекла на остановке", "Жастар аялдамада бұзақылық жасап жатыр"),
    "theft": ("Украли телефон из сумки в кафе", "Дүкеннен тауар ұрлап кетті"),
    "pickpocketing": ("В автобусе вытащили кошелёк", "Базарда әмиянымды ұрлап кетті"),
    "burglary": ("Вскрыли квартиру, дверь взломана", "Үйге біреу кіріп, заттарды алып кеткен"),
    "theft_from_vehicle": (
        "Разбили стекло машины и забрали сумку",
        "Көліктің әйнегін сындырып, сөмкені алған",
    ),
    "traffic_accident_no_injured": (
        "ДТП без пострадавших, столкнулись две машины",
        "Екі көлік соқтығысты, зардап шеккендер жоқ",
    ),
    "traffic_accident_injured": ("ДТП, есть пострадавший, лежит на дороге", "Жол апаты, адам жарақат алды"),
    "drunk_driver": ("Водитель явно пьян, виляет по дороге", "Мас жүргізуші көлікті басқарып барады"),
    "traffic_violation": ("Машина едет по встречной полосе", "Көлік қарсы жолақпен жүріп барады"),
    "illegal_parking_blocking": ("Машина перекрыла выезд из двора", "Көлік аулаға кіретін жолды жауып тұр"),
    "public_intoxication": ("Пьяный мужчина пристаёт к прохожим", "Мас адам жолаушыларға тиісіп жүр"),
    "suspicious_person": (
        "Подозрительный мужчина заглядывает в окна машин",
        "Күдікті адам подъезд маңында жүр",
    ),
    "fraud": ("Мошенники взяли предоплату и пропали", "Алаяқтар ақша алып, хабарласпай кетті"),
    "online_fraud": (
        "Позвонили из «банка», списали деньги с карты",
        "Картамнан ақша ұрланды, SMS-код сұрады",
    ),
    "threat": ("Угрожает расправой бывший муж", "Бір адам өлтіремін деп қорқытып жатыр"),
    "person_needing_help": ("Пожилой человек упал и не может встать", "Қарт адам көшеде құлап қалды"),
    "minors_at_night": ("Подростки ночью распивают во дворе", "Түнде жасөспірімдер аулада жүр"),
    "lost_documents": ("Потерял паспорт, нужна справка", "Жеке куәлігімді жоғалтып алдым"),
    "alarm_activation": ("Сработала сигнализация в магазине", "Дүкендегі дабыл іске қосылды"),
}
GROUP_TEXTS: Final[Mapping[str, Sequence[str]]] = {
    "property": ("Пропало имущество, прошу приехать", "Мүлкім жоғалды, көмектесіңіздер"),
    "violence": ("Нападение на человека, нужна полиция", "Адамға шабуыл жасалды, полиция керек"),
    "traffic": ("Происшествие на дороге", "Жолда оқиға болды"),
    "public_order": ("Нарушение порядка, прошу направить наряд", "Қоғамдық тәртіп бұзылып жатыр"),
    "persons": ("Человеку нужна помощь", "Адамға көмек керек"),
    "hazard": ("Опасная ситуация, нужна помощь", "Қауіпті жағдай, көмек керек"),
    "fraud": ("Меня обманули, прошу принять заявление", "Мені алдап кетті"),
    "drugs_weapons": ("Видел человека с оружием", "Қолында қаруы бар адамды көрдім"),
    "admin": ("Нарушение правил торговли", "Сауда ережелері бұзылып жатыр"),
    "other": ("Прошу направить участкового", "Учаскелік инспектор керек"),
}
REPEAT_TEXTS: Final = (
    "Повторно звоню, полиции всё ещё нет",
    "Звоню по тому же случаю, ситуация продолжается",
    "Тағы хабарласып тұрмын, әлі ешкім келген жоқ",
)

# How incidents of each group end, and how often.
DISPOSITIONS: Final[Mapping[str, Mapping[Disposition, float]]] = {
    "violence": {Disposition.ARREST: 3, Disposition.PROTOCOL_DRAWN: 3, Disposition.REPORT_REGISTERED: 3,
                 Disposition.WARNING_ISSUED: 2, Disposition.GONE_ON_ARRIVAL: 1},
    "property": {Disposition.REPORT_REGISTERED: 6, Disposition.NO_OFFENCE_FOUND: 1,
                 Disposition.GONE_ON_ARRIVAL: 1, Disposition.ARREST: 1},
    "public_order": {Disposition.WARNING_ISSUED: 4, Disposition.PROTOCOL_DRAWN: 3,
                     Disposition.NO_OFFENCE_FOUND: 2, Disposition.GONE_ON_ARRIVAL: 1},
    "traffic": {Disposition.PROTOCOL_DRAWN: 5, Disposition.ASSISTANCE_RENDERED: 2,
                Disposition.REPORT_REGISTERED: 2, Disposition.HANDED_TO_AGENCY: 1},
    "persons": {Disposition.ASSISTANCE_RENDERED: 5, Disposition.HANDED_TO_AGENCY: 3,
                Disposition.REPORT_REGISTERED: 1},
    "hazard": {Disposition.HANDED_TO_AGENCY: 4, Disposition.NO_OFFENCE_FOUND: 2, Disposition.FALSE_CALL: 2},
    "fraud": {Disposition.REPORT_REGISTERED: 6, Disposition.RESOLVED_BY_PHONE: 1},
    "drugs_weapons": {Disposition.ARREST: 3, Disposition.REPORT_REGISTERED: 2, Disposition.FALSE_CALL: 1},
    "admin": {Disposition.PROTOCOL_DRAWN: 3, Disposition.RESOLVED_BY_PHONE: 2, Disposition.OTHER: 1},
    "other": {Disposition.OTHER: 3, Disposition.ASSISTANCE_RENDERED: 2, Disposition.NO_OFFENCE_FOUND: 1},
}  # fmt: skip
# Priority 4 needs no unit: the ЦОУ closes it by phone or hands it on.
NO_DISPATCH_DISPOSITIONS: Final[Mapping[Disposition, float]] = {
    Disposition.RESOLVED_BY_PHONE: 4,
    Disposition.REPORT_REGISTERED: 3,
    Disposition.HANDED_TO_AGENCY: 1,
}


class Weighted:
    """Draws keys in proportion to their weights (a cumulative table, searched per draw: fast in loops)."""

    def __init__(self, weights: Mapping[Any, float]) -> None:
        if not weights or sum(weights.values()) <= 0:
            raise ValueError("nothing to draw from: no key has a positive weight")
        self.keys = list(weights)
        total = float(sum(weights.values()))
        self.cumulative = list(accumulate(weights[k] / total for k in self.keys))

    def draw(self, rng: np.random.Generator) -> Any:
        index = bisect_right(self.cumulative, rng.random())
        return self.keys[min(index, len(self.keys) - 1)]


def pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    """One item, each as likely as the others."""
    return items[int(rng.random() * len(items))]


def person_name(rng: np.random.Generator) -> str:
    """A Kazakh or Russian first name and surname."""
    female = rng.random() < 0.45
    first = pick(rng, FEMALE_NAMES if female else MALE_NAMES)
    return f"{first} {pick(rng, SURNAMES)}{'а' if female else ''}"


def mobile_phone(rng: np.random.Generator) -> str:
    """A Kazakh mobile number in E.164 (+7 7xx xxx xx xx)."""
    return f"+7{pick(rng, MOBILE_CODES)}{int(rng.random() * 10_000_000):07d}"


def iin(rng: np.random.Generator, *, today: date) -> str:
    """A well-formed IIN of an adult born 18 to 75 years before `today` (date, century/sex, serial, check)."""
    born = today - timedelta(days=int(rng.integers(18 * 366, 75 * 365)))
    while True:
        century = (3 if born.year < 2000 else 5) + int(rng.integers(0, 2))
        first = f"{born:%y%m%d}{century}{int(rng.integers(0, 10_000)):04d}"
        check = check_digit(first)
        if check is not None:
            return f"{first}{check}"


def appeal_text(rng: np.random.Generator, category: str, group: str) -> str:
    return pick(rng, TEXTS.get(category) or GROUP_TEXTS.get(group) or GROUP_TEXTS["other"])


PARTNERS: Final = Weighted(PARTNER_WEIGHTS)
_ENDINGS: Final = {group: Weighted(table) for group, table in DISPOSITIONS.items()}
_NO_DISPATCH_ENDINGS: Final = Weighted(NO_DISPATCH_DISPOSITIONS)


def disposition(rng: np.random.Generator, group: str, priority: int) -> Disposition:
    """How an incident of this group ends (priority 4: without a unit)."""
    table = _NO_DISPATCH_ENDINGS if priority >= 4 else _ENDINGS.get(group, _ENDINGS["other"])
    return Disposition(table.draw(rng))
