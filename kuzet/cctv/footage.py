"""Footage requests and their chain of custody. Pure: no framework, no clock.

An operator asks for a camera's recording of a time window, for an incident and with a reason. The request
then moves, one step at a time and never back, through the chain of custody an investigator's evidence
needs: requested → exported (who copied it off the recorder, the file's SHA-256 and where it is kept) →
handed over (to which investigator, by name and badge). Each step is stamped with its time and its actor."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from kuzet.core.errors import FieldError, IllegalStatusChange
from kuzet.core.i18n import N_

WINDOW_MAX: Final = timedelta(hours=24)  # a longer stretch is several requests, each with its reason
REASON_MAX: Final = 1000
REFERENCE_MAX: Final = 500
NAME_MAX: Final = 200
BADGE_MAX: Final = 40
SHA256: Final = re.compile(r"[0-9a-f]{64}")
BADGE: Final = re.compile(r"[0-9A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі/\-. ]{1,40}")


class CustodyStep(StrEnum):
    REQUESTED = "requested"
    EXPORTED = "exported"
    HANDED_OVER = "handed_over"


STEP_NAMES: Final[dict[str, str]] = {
    CustodyStep.REQUESTED: N_("requested"),
    CustodyStep.EXPORTED: N_("exported"),
    CustodyStep.HANDED_OVER: N_("handed to the investigator"),
}
NEXT: Final = {CustodyStep.REQUESTED: CustodyStep.EXPORTED, CustodyStep.EXPORTED: CustodyStep.HANDED_OVER}


@dataclass(frozen=True)
class CustodyEntry:
    """One step of the trail: what was done, when, by whom, and what it left (a file, an investigator)."""

    step: CustodyStep
    at: datetime
    by: str
    by_role: str | None = None
    file_sha256: str | None = None
    file_reference: str | None = None
    investigator_name: str | None = None
    investigator_badge: str | None = None


@dataclass(frozen=True)
class FootageRequest:
    camera_id: str
    incident_id: int
    district: str | None  # the incident's, so a district's staff see only their own requests
    window_start: datetime
    window_end: datetime
    reason: str
    trail: tuple[CustodyEntry, ...]
    request_id: int | None = None

    @property
    def status(self) -> CustodyStep:
        return self.trail[-1].step


def _error(name: str, reason: str, code: str, **params: object) -> FieldError:
    return FieldError(name, reason, code, params=params)


def check_window(start: datetime, end: datetime, *, retention_days: int, now: datetime) -> list[FieldError]:
    """The window must be a real stretch of the past, no longer than a day, that the camera still keeps."""
    if start.tzinfo is None or end.tzinfo is None:
        named = "window_start" if start.tzinfo is None else "window_end"
        return [_error(named, N_("Give the time with its UTC offset."), "timezone")]
    problems = []
    kept_from = now - timedelta(days=retention_days)
    if start < kept_from:
        problems.append(
            _error(
                "window_start",
                N_("The camera keeps its recordings {days} days: this is before {kept_from}."),
                "outside_retention",
                days=retention_days,
                kept_from=kept_from.isoformat(timespec="seconds"),
            )
        )
    if end > now:
        problems.append(_error("window_end", N_("The window cannot end in the future."), "future"))
    if end <= start:
        problems.append(_error("window_end", N_("The window must end after it starts."), "order"))
    elif end - start > WINDOW_MAX:
        problems.append(
            _error("window_end", N_("A window is at most {hours} hours long."), "too_long", hours=24)
        )
    return problems


def _text(name: str, value: str, max_length: int) -> list[FieldError]:
    if not value.strip():
        return [_error(name, N_("This field is required."), "missing")]
    if len(value) > max_length or any(ord(c) < 32 and c not in "\n\t" for c in value):
        return [
            _error(
                name,
                N_("Must be at most {max_length} characters long, without control characters."),
                "too_long",
                max_length=max_length,
            )
        ]
    return []


def check_reason(reason: str) -> list[FieldError]:
    return _text("reason", reason, REASON_MAX)


def check_export(file_sha256: str, file_reference: str) -> list[FieldError]:
    problems = _text("file_reference", file_reference, REFERENCE_MAX)
    if not SHA256.fullmatch(file_sha256):
        problems.append(
            _error("file_sha256", N_("The SHA-256 of the file: 64 lower-case hex digits."), "pattern")
        )
    return problems


def check_hand_over(name: str, badge: str) -> list[FieldError]:
    problems = _text("investigator_name", name, NAME_MAX)
    if not BADGE.fullmatch(badge) or not badge.strip():
        problems.append(
            _error(
                "investigator_badge",
                N_("The badge number: letters, digits, spaces, dots, dashes and slashes."),
                "pattern",
            )
        )
    return problems


def advance(request: FootageRequest, entry: CustodyEntry) -> FootageRequest:
    """The request with the next step of its trail; a step out of order (or repeated) is refused."""
    if NEXT.get(request.status) is not entry.step:
        raise IllegalStatusChange(request.status.value, entry.step.value, STEP_NAMES)
    return replace(request, trail=(*request.trail, entry))
