"""The search statement: incidents matched by their own columns, their appeals and their timeline notes.

A deliberate cross-feature read (as the recommendation's, see docs/architecture.md): the search joins the
appeals table (numbers, phones, addresses, callers' words) in one statement, because one round trip over a
year of incidents is what keeps it quick, where ids passed between two features' queries would not.

Text is compared folded (any alphabet's case, ё as е): PostgreSQL's lower() folds Cyrillic and Kazakh
letters in a UTF-8 database; SQLite's folds ASCII only, so there `kuzet_fold` (core/db.py) does it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, or_, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from kuzet.appeals.store import appeals
from kuzet.core.db import FOLD_FUNCTION, fold_text
from kuzet.core.district_scope import chosen_districts, in_districts, narrowed
from kuzet.incidents.domain import Incident, IncidentStatus
from kuzet.incidents.store import _to_incident, incident_events, incidents

# Timeline entries whose words are searched: a status change's note and a free note (both under "note").
NOTE_KINDS = ("status", "note")
NOTE_KEYS = ("note",)


class folded(FunctionElement[str]):  # noqa: N801 - a SQL function, named as SQL names them
    type = String()
    inherit_cache = True


@compiles(folded)
def _folded(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"replace(lower({compiler.process(element.clauses, **kw)}), 'ё', 'е')"


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{FOLD_FUNCTION}({compiler.process(element.clauses, **kw)})"


def _pattern(text: str) -> str:
    escaped = (fold_text(text) or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    return folded(column).like(_pattern(text), escape="\\")


@dataclass(frozen=True)
class Filters:
    """Checked criteria (search.py): every one given must hold."""

    limit: int
    text: str | None = None
    numbers: tuple[str, ...] | None = None
    phone: str | None = None
    address: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    district: str | None = None
    # The actor's districts when none is asked for (empty: every district); `district` narrows to one.
    districts: tuple[str, ...] = ()
    category: str | None = None
    statuses: tuple[str, ...] = ()
    after: tuple[datetime, int] | None = None


@dataclass(frozen=True)
class Found:
    incident: Incident
    appeals: int
    phones: tuple[str, ...]
    appeal_numbers: tuple[str, ...]


def _of_appeals(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return incidents.c.id.in_(select(appeals.c.incident_id).where(condition))


def _conditions(f: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.numbers is not None:
        # A union of two unique-index lookups (an OR across the tables would read every incident).
        named = union(
            select(incidents.c.id).where(incidents.c.number.in_(f.numbers)),
            select(appeals.c.incident_id).where(appeals.c.number.in_(f.numbers)),
        )
        where.append(incidents.c.id.in_(select(named.subquery().c[0])))
    if f.phone is not None:
        where.append(_of_appeals(appeals.c.caller_phone == f.phone))
    if f.address is not None:
        where.append(
            or_(
                _contains(incidents.c.address, f.address),
                _of_appeals(_contains(appeals.c.address, f.address)),
            )
        )
    if f.text is not None:
        notes = or_(*(_contains(incident_events.c.data[key].as_string(), f.text) for key in NOTE_KEYS))
        where.append(
            or_(
                _contains(incidents.c.description, f.text),
                _contains(incidents.c.address, f.text),
                _of_appeals(or_(_contains(appeals.c.text, f.text), _contains(appeals.c.address, f.text))),
                incidents.c.id.in_(
                    select(incident_events.c.incident_id).where(incident_events.c.kind.in_(NOTE_KINDS), notes)
                ),
            )
        )
    if f.since is not None:
        where.append(incidents.c.received_at >= f.since)
    if f.until is not None:
        where.append(incidents.c.received_at < f.until)
    in_scope = in_districts(incidents.c.district, chosen_districts(f.district, f.districts))
    if in_scope is not None:
        where.append(in_scope)
    if f.category is not None:
        where.append(incidents.c.category_code == f.category)
    if f.statuses:
        where.append(incidents.c.status.in_(f.statuses))
    if f.after is not None:
        at, row = f.after
        where.append(
            or_(incidents.c.received_at < at, and_(incidents.c.received_at == at, incidents.c.id < row))
        )
    return where


class SearchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def search(self, f: Filters) -> list[Found]:
        """Up to `limit + 1` incidents (one more tells that a next page exists), newest first."""
        query: Select[Any] = (
            select(incidents)
            .where(*_conditions(f))
            .order_by(incidents.c.received_at.desc(), incidents.c.id.desc())
            .limit(f.limit + 1)
        )
        return self._with_appeals([_to_incident(r) for r in self.session.execute(query).all()])

    def recently_closed(
        self, *, limit: int, district: str | None = None, districts: Iterable[str] | None = None
    ) -> list[Found]:
        """The latest closings of the district or districts given (neither: every district), latest first."""
        query = (
            select(incidents)
            .where(incidents.c.status == IncidentStatus.CLOSED.value, incidents.c.closed_at.is_not(None))
            .order_by(incidents.c.closed_at.desc(), incidents.c.id.desc())
            .limit(limit)
        )
        query = narrowed(query, incidents.c.district, district=district, districts=districts)
        return self._with_appeals([_to_incident(r) for r in self.session.execute(query).all()])

    def incidents(
        self, ids: list[int], *, district: str | None = None, districts: Iterable[str] | None = None
    ) -> dict[int, Incident]:
        """These incidents (those in the district or districts, if any are given), by id."""
        query = select(incidents).where(incidents.c.id.in_(ids))
        query = narrowed(query, incidents.c.district, district=district, districts=districts)
        return {row.id: _to_incident(row) for row in self.session.execute(query).all()}

    def _with_appeals(self, found: list[Incident]) -> list[Found]:
        """Each incident with its appeals' count, callers' phones and numbers (one more statement)."""
        numbers: dict[int, list[str]] = {i.id: [] for i in found}
        phones: dict[int, list[str]] = {i.id: [] for i in found}
        if found:
            rows = self.session.execute(
                select(appeals.c.incident_id, appeals.c.number, appeals.c.caller_phone)
                .where(appeals.c.incident_id.in_(list(numbers)))
                .order_by(appeals.c.received_at, appeals.c.id)
            ).all()
            for incident_id, number, phone in rows:
                numbers[incident_id].append(number)
                if phone and phone not in phones[incident_id]:
                    phones[incident_id].append(phone)
        return [Found(i, len(numbers[i.id]), tuple(phones[i.id]), tuple(numbers[i.id])) for i in found]
