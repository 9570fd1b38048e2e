"""The snapshot's columns: one row per incident, live or imported, written as Parquet with pyarrow.

Each row is one version of one incident (`key`), written by refresh number `version`; a reader keeps the
newest version of each key. Stamps are UTC; the local (Asia/Almaty) date, hour, weekday, ISO week, month
and year of `received_at` are derived here once, for grouping, in the region's calendar (any other calendar
is derived from the stamps per query). `appeals` lists each appeal's channel, partner, time and local time
parts, so that appeals are counted by their own channel and time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import pyarrow as pa

from kuzet.analytics.domain import INCIDENT_STAMPS, UNIT_STAMPS
from kuzet.core.clock import to_local

MOMENT: Final = pa.timestamp("us", tz="UTC")
TIME_PARTS: Final = (
    ("local_date", pa.date32()),
    ("hour", pa.int32()),
    ("weekday", pa.int32()),
    ("week", pa.string()),
    ("month", pa.string()),
    ("year", pa.int32()),
)
APPEAL: Final = pa.struct(
    [("channel", pa.string()), ("partner", pa.string()), ("received_at", MOMENT), *TIME_PARTS]
)

SCHEMA: Final = pa.schema(
    [
        ("key", pa.string()),  # live:<incident id> or imported:<imported incident id>
        ("version", pa.int64()),
        ("origin", pa.string()),  # live | imported
        ("number", pa.string()),
        ("category_code", pa.string()),
        ("category_group", pa.string()),
        ("priority", pa.int32()),
        ("district", pa.string()),
        ("channel", pa.string()),  # of the first appeal
        ("partner", pa.string()),  # of the first appeal
        ("appeals_count", pa.int32()),
        ("unit_type", pa.string()),  # of the first assignment's unit
        ("status", pa.string()),
        ("disposition", pa.string()),
        ("reopened", pa.bool_()),
        ("merged", pa.bool_()),
        *((name, MOMENT) for name in INCIDENT_STAMPS + UNIT_STAMPS),
        ("stamps", pa.map_(pa.string(), MOMENT)),  # an imported incident's further stamps, by name
        ("source_priority", pa.string()),  # an imported incident's priority as the source wrote it
        ("source_category", pa.string()),  # and its call type
        ("dimensions", pa.map_(pa.string(), pa.string())),  # the further source columns its mapping kept
        *TIME_PARTS,
        ("appeals", pa.list_(APPEAL)),
    ]
)

# Written into the snapshot's state: files of another layout are not read, and the snapshot is read anew.
SCHEMA_ID: Final = hashlib.sha256(SCHEMA.to_string().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LocalParts:
    local_date: date
    hour: int
    weekday: int
    week: str
    month: str
    year: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "local_date": self.local_date,
            "hour": self.hour,
            "weekday": self.weekday,
            "week": self.week,
            "month": self.month,
            "year": self.year,
        }


def local_parts(moment: datetime) -> LocalParts:
    """The region's local calendar of a UTC moment: date, hour, ISO weekday and week, month, year."""
    local = to_local(moment)
    iso = local.isocalendar()
    return LocalParts(
        local_date=local.date(),
        hour=local.hour,
        weekday=iso.weekday,
        week=f"{iso.year}-W{iso.week:02d}",
        month=f"{local.year}-{local.month:02d}",
        year=local.year,
    )


def appeal_entry(channel: str | None, partner: str | None, received_at: datetime) -> dict[str, Any]:
    return {
        "channel": channel,
        "partner": partner,
        "received_at": received_at,
        **local_parts(received_at).as_dict(),
    }


def to_table(rows: Iterable[Mapping[str, Any]], *, version: int) -> pa.Table:
    """Rows (dicts by column name, `version` left out) as an Arrow table of the snapshot's schema."""
    return pa.Table.from_pylist([{**row, "version": version} for row in rows], schema=SCHEMA)
