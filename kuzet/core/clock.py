"""The one place that reads the wall clock. The domain takes time as an argument instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Almaty")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    """Show a stored UTC moment in the region's local time (Asia/Almaty, UTC+5)."""
    return moment.astimezone(LOCAL_TZ)
