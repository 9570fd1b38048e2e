"""How many live incidents a period holds in a selection: what tells a figure that only live incidents give
(far arrivals, joint response) empty for want of incidents from one empty for want of arrivals or
hand-overs. Read straight from the incidents, as those figures are; merged-away incidents are left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from kuzet.core.clock import LOCAL_TZ
from kuzet.core.uow import UnitOfWork
from kuzet.incidents.store import incidents


def _start(day: date) -> datetime:
    """The UTC instant a local (Asia/Almaty) day begins."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


def count_live(
    uow: UnitOfWork,
    *,
    first: date | None,
    last: date | None,
    districts: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    priorities: tuple[int, ...] = (),
) -> int:
    """Live incidents received in the local period (both ends included; an open end is unbounded) among
    the given districts, categories and priorities (an empty filter: all). The caller narrows `districts`
    to the asker's scope first."""
    query = select(func.count()).select_from(incidents).where(incidents.c.merged_into_id.is_(None))
    if first is not None:
        query = query.where(incidents.c.received_at >= _start(first))
    if last is not None:
        query = query.where(incidents.c.received_at < _start(last + timedelta(days=1)))
    for column, values in (
        (incidents.c.district, districts),
        (incidents.c.category_code, categories),
        (incidents.c.priority, priorities),
    ):
        if values:
            query = query.where(column.in_(values))
    with uow:
        return int(uow.session.execute(query).scalar_one())
