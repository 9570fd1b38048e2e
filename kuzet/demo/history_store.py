"""Writing a simulated year in one transaction: numbers that continue each series' counter, bulk inserts into
the real tables, the counters moved past the numbers used, and one audit row for the whole load. The plan's
shape (`HistoryPlan`) lives here, beside the writer that takes it; `history.py` draws the plans."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Final

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kuzet.appeals.domain import SERIES, Channel
from kuzet.appeals.store import appeals
from kuzet.core.numbering import counters, format_number
from kuzet.core.uow import UnitOfWork
from kuzet.demo.seed import DEMO_ACTOR
from kuzet.dispatch.store import assignments
from kuzet.incidents.service import INCIDENT_SERIES
from kuzet.incidents.store import incidents

HISTORY_MARK: Final = "demo-history"


@dataclass
class HistoryPlan:
    """Rows to insert; appeals and assignments name their incident by its index in `incidents`."""

    incidents: list[dict[str, Any]] = field(default_factory=list)
    appeals: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)


class Numbers:
    """Hands out numbers series by series and year by year, after what each counter has given already."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.start: dict[tuple[str, int], int] = {}
        self.used: Counter[tuple[str, int]] = Counter()

    def take(self, series: str, year: int) -> str:
        key = (series, year)
        if key not in self.start:
            last = self.session.execute(
                select(counters.c.last).where(counters.c.series == series, counters.c.year == year)
            ).scalar_one_or_none()
            self.start[key] = int(last or 0)
        self.used[key] += 1
        return format_number(series, year, self.start[key] + self.used[key])

    def save(self) -> None:
        """Move every counter past the numbers taken, so live numbering goes on after them."""
        for (series, year), count in self.used.items():
            last = self.start[(series, year)] + count
            if self.start[(series, year)] or self._exists(series, year):
                self.session.execute(
                    update(counters)
                    .where(counters.c.series == series, counters.c.year == year)
                    .values(last=last)
                )
            else:
                self.session.execute(insert(counters).values(series=series, year=year, last=last))

    def _exists(self, series: str, year: int) -> bool:
        query = select(counters.c.last).where(counters.c.series == series, counters.c.year == year)
        return self.session.execute(query).first() is not None


def _by_time(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: row["received_at"])


def write(uow: UnitOfWork, plan: HistoryPlan, *, at: datetime, local: tzinfo) -> None:
    """Insert the plan's rows in one transaction (incident ids come back in order from the insert)."""
    with uow:
        session = uow.session
        numbers = Numbers(session)
        incident_rows = []
        for row in plan.incidents:  # in time order already: the appeals name them by this index
            year = row["received_at"].astimezone(local).year
            incident_rows.append({**row, "number": numbers.take(INCIDENT_SERIES, year)})
        statement = insert(incidents).returning(incidents.c.id, sort_by_parameter_order=True)
        ids = list(session.execute(statement, incident_rows).scalars()) if incident_rows else []
        appeal_rows = []
        for row in _by_time(plan.appeals):
            series = SERIES[Channel(row["channel"])]
            number = numbers.take(series, row["received_at"].astimezone(local).year)
            values = {k: v for k, v in row.items() if k != "incident"}
            appeal_rows.append({**values, "number": number, "incident_id": ids[row["incident"]]})
        if appeal_rows:
            session.execute(insert(appeals), appeal_rows)
        assignment_rows = [
            {**{k: v for k, v in row.items() if k != "incident"}, "incident_id": ids[row["incident"]]}
            for row in plan.assignments
        ]
        if assignment_rows:
            session.execute(insert(assignments), assignment_rows)
        numbers.save()
        uow.audit(
            DEMO_ACTOR,
            "demo.history_load",
            object_type="incidents",
            object_id="history",
            at=at,
            detail={
                "incidents": len(incident_rows),
                "appeals": len(appeal_rows),
                "assignments": len(assignment_rows),
                "numbers": {f"{s}-{y}": n for (s, y), n in sorted(numbers.used.items())},
            },
        )
        uow.commit()
