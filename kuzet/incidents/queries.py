"""Read-side use cases of incidents: the card, the queue, duplicate suggestions and overdue timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kuzet.core.actor import Actor
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import rules
from kuzet.incidents.domain import Incident
from kuzet.incidents.service import category, get_in_scope
from kuzet.incidents.store import CategoryRepository, IncidentRepository, TimelineEvent


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    children: list[Incident]
    timeline: list[TimelineEvent]


def view(uow: UnitOfWork, *, incident_id: int, by: Actor) -> IncidentView:
    """The incident with its merged children and one timeline of all of them, in time order."""
    with uow:
        incident = get_in_scope(uow, incident_id, by)
        repo = uow.repo(IncidentRepository)
        children = repo.children(incident.id)
        timeline = repo.events([incident.id, *(c.id for c in children)])
    return IncidentView(incident, children, timeline)


def queue(uow: UnitOfWork, *, by: Actor) -> list[Incident]:
    """Open incidents of every district the actor is tied to (all of them when region-wide)."""
    with uow:
        return uow.repo(IncidentRepository).open_queue(districts=by.districts)


def duplicates(
    uow: UnitOfWork,
    *,
    lat: float,
    lon: float,
    category_code: str,
    at: datetime,
    radius_m: float,
    window: timedelta,
    by: Actor,
) -> list[rules.Suggestion]:
    """Open incidents in the actor's scope that may be the same event, best first."""
    with uow:
        kind = category(uow, category_code, field="category_code")
        dlat, dlon = rules.box_around(lat, radius_m)
        near = uow.repo(IncidentRepository).near(lat=lat, lon=lon, dlat=dlat, dlon=dlon, since=at - window)
        kinds = {c.code: c for c in uow.repo(CategoryRepository).all()}
        candidates = [(i, kinds[i.category_code]) for i in near if by.in_scope(i.district)]
        return rules.suggest(
            lat=lat, lon=lon, kind=kind, at=at, candidates=candidates, radius_m=radius_m, window=window
        )


def overdue(
    uow: UnitOfWork,
    *,
    now: datetime,
    dispatch_within: dict[int, timedelta],
    arrive_within: dict[int, timedelta],
    by: Actor,
) -> list[rules.Overdue]:
    with uow:
        open_now = uow.repo(IncidentRepository).open_queue(districts=by.districts, limit=5000)
    return rules.overdue(open_now, now=now, dispatch_within=dispatch_within, arrive_within=arrive_within)
