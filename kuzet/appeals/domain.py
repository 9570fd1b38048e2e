"""Appeals: one message from a citizen through one channel. Pure validation of what a call-taker enters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from kuzet.appeals.iin import Iin, InvalidIin, parse_iin
from kuzet.appeals.phones import CallerPhone, InvalidPhone, PhoneKind, parse_phone
from kuzet.core.clock import to_local
from kuzet.core.errors import FieldError
from kuzet.core.i18n import N_
from kuzet.incidents.rules import place_problems

MAX_TEXT: Final = 10_000
# A client's clock may run a little ahead of ours; more than this is a mistake, not drift.
FUTURE_TOLERANCE: Final = timedelta(minutes=2)


class Channel(StrEnum):
    PHONE_102 = "phone_102"
    PARTNER_APP = "partner_app"
    WALK_IN = "walk_in"
    AGENCY = "agency"
    CAMERA = "camera"  # a camera's analytics: a watch-list plate or a crowd (kuzet/cctv)


# Human numbers: 102-2026-000123 for calls, and a series of its own for each other channel.
SERIES: Final = {
    Channel.PHONE_102: "102",
    Channel.PARTNER_APP: "ZP",
    Channel.WALK_IN: "WI",
    Channel.AGENCY: "AG",
    Channel.CAMERA: "CAM",
}


@dataclass(frozen=True)
class Region:
    """The served region's bounds (min_lon, min_lat, max_lon, max_lat)."""

    bbox: tuple[float, float, float, float]

    def contains(self, lat: float, lon: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


@dataclass(frozen=True)
class AppealInput:
    text: str
    category_code: str
    received_at: datetime
    channel: Channel = Channel.PHONE_102
    caller_phone: str | None = None
    caller_name: str | None = None
    caller_iin: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    accuracy_m: float | None = None
    district: str | None = None
    partner: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class CheckedAppeal:
    """An input that passed every check, with the phone parsed."""

    data: AppealInput
    phone: CallerPhone | None
    iin: Iin | None


@dataclass(frozen=True)
class Appeal:
    id: int
    number: str
    channel: Channel
    received_at: datetime
    text: str
    category_code: str
    incident_id: int
    caller_phone: str | None = None
    phone_kind: PhoneKind | None = None
    caller_locality: dict[str, str] | None = None
    caller_name: str | None = None
    caller_iin: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    accuracy_m: float | None = None
    partner: str | None = None
    occurred_at: datetime | None = None
    created_by: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None


def check(data: AppealInput, *, region: Region, now: datetime) -> CheckedAppeal | list[FieldError]:
    """Every problem with the input at once (a call-taker fixes them in one go), or the checked appeal."""
    errors: list[FieldError] = []
    phone, iin = None, None
    if data.caller_phone:
        try:
            phone = parse_phone(data.caller_phone)
        except InvalidPhone as exc:
            errors.append(FieldError("caller_phone", str(exc), "invalid_phone"))
    elif data.channel is Channel.PHONE_102:
        errors.append(FieldError("caller_phone", N_("This field is required."), "missing"))
    if data.caller_iin:
        try:
            iin = parse_iin(data.caller_iin, today=to_local(now).date())
        except InvalidIin as exc:
            errors.append(FieldError("caller_iin", str(exc), "invalid_iin"))
    if not data.text.strip():
        errors.append(FieldError("text", N_("This field is required."), "missing"))
    if len(data.text) > MAX_TEXT:
        errors.append(
            FieldError(
                "text",
                N_("Must be at most {max_length} characters long."),
                "string_too_long",
                params={"max_length": MAX_TEXT},
            )
        )
    errors.extend(place_problems(data.lat, data.lon, data.address, region.contains))
    if data.received_at.tzinfo is None:
        errors.append(FieldError("received_at", N_("Must include a time zone."), "timezone_aware"))
    elif data.received_at > now + FUTURE_TOLERANCE:
        errors.append(FieldError("received_at", N_("The time is in the future."), "future"))
    if data.occurred_at is not None and (
        data.occurred_at.tzinfo is None or data.occurred_at > now + FUTURE_TOLERANCE
    ):
        errors.append(FieldError("occurred_at", N_("The time is in the future."), "future"))
    return errors or CheckedAppeal(data, phone, iin)
