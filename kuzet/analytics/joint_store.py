"""Reading the hand-overs for the joint-response figures, and the use case over them.

Like the far-arrival count, read straight from the operational store: the hand-overs, the agency's steps
(each with its own time and our receipt) and, of the incident, only its category, district and priority. A
district's staff see their district's hand-overs only; asking for another is refused (and the refusal
audited), as on every analytics route."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select

from kuzet.analytics.joint import (
    ACK_STEP,
    Basis,
    HandoverFacts,
    JointReport,
    JointSelection,
    StepTimes,
    joint_response,
)
from kuzet.core.actor import Actor
from kuzet.core.clock import LOCAL_TZ
from kuzet.core.errors import Forbidden
from kuzet.core.uow import UnitOfWork
from kuzet.incidents.store import incidents
from kuzet.interagency.handover import HandoverState
from kuzet.interagency.store import agencies, handover_steps, handovers


def local_start(day: date) -> datetime:
    """The UTC instant a local (Asia/Almaty) day begins."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


def _selected(query: Select[Any], chosen: JointSelection) -> Select[Any]:
    if chosen.first is not None:
        query = query.where(handovers.c.requested_at >= local_start(chosen.first))
    if chosen.last is not None:
        query = query.where(handovers.c.requested_at < local_start(chosen.last + timedelta(days=1)))
    for column, values in (
        (handovers.c.agency_code, chosen.agencies),
        (incidents.c.category_code, chosen.categories),
        (incidents.c.district, chosen.districts),
        (incidents.c.priority, chosen.priorities),
    ):
        if values:
            query = query.where(column.in_(values))
    return query


def read_facts(uow: UnitOfWork, chosen: JointSelection) -> list[HandoverFacts]:
    """The selected hand-overs with their steps (the earliest of a step, were one ever stored twice)."""
    joined = handovers.join(incidents, handovers.c.incident_id == incidents.c.id)
    heads = uow.session.execute(
        _selected(
            select(
                handovers.c.id,
                handovers.c.agency_code,
                handovers.c.state,
                handovers.c.requested_at,
                handovers.c.ack_deadline_seconds,
                incidents.c.category_code,
            ).select_from(joined),
            chosen,
        ).order_by(handovers.c.id)
    ).all()
    steps: dict[int, dict[str, StepTimes]] = {}
    accepted: dict[int, bool] = {}
    rows = uow.session.execute(
        _selected(
            select(
                handover_steps.c.handover_id,
                handover_steps.c.step,
                handover_steps.c.agency_at,
                handover_steps.c.received_at,
                handover_steps.c.data,
            ).select_from(joined.join(handover_steps, handover_steps.c.handover_id == handovers.c.id)),
            chosen,
        ).order_by(handover_steps.c.id)
    ).all()
    for r in rows:
        steps.setdefault(r.handover_id, {}).setdefault(r.step, StepTimes(r.agency_at, r.received_at))
        if r.step == ACK_STEP:
            accepted.setdefault(r.handover_id, bool((r.data or {}).get("accepted")))
    return [
        HandoverFacts(
            agency=h.agency_code,
            category=h.category_code,
            requested_at=h.requested_at,
            ack_due_at=h.requested_at + timedelta(seconds=h.ack_deadline_seconds),
            accepted=accepted.get(h.id),
            steps=steps.get(h.id, {}),
            cancelled=h.state == HandoverState.CANCELLED.value,
        )
        for h in heads
    ]


def agency_names(uow: UnitOfWork) -> dict[str, Mapping[str, str]]:
    """Every registered agency's names by language, by code."""
    rows = uow.session.execute(select(agencies.c.code, agencies.c.names)).all()
    return {r.code: dict(r.names) for r in rows}


def in_scope(uow: UnitOfWork, chosen: JointSelection, by: Actor) -> JointSelection:
    """A district's staff get their own district only; asking for another is refused, and audited."""
    if by.region_wide:
        return chosen
    if chosen.districts and not set(chosen.districts) <= set(by.districts):
        with uow:
            raise uow.refuse(by, "analytics.read", Forbidden(), object_type="district", reason="out_of_scope")
    return chosen.narrowed(*(d for d in by.districts if not chosen.districts or d in chosen.districts))


def joint(
    uow: UnitOfWork, chosen: JointSelection, *, basis: Basis, now: datetime
) -> tuple[JointReport, dict[str, Mapping[str, str]]]:
    """The figures of the selection (already in the asker's scope), with the agencies' names."""
    with uow:
        facts = read_facts(uow, chosen)
        names = agency_names(uow)
    return joint_response(facts, basis=basis, now=now), names
