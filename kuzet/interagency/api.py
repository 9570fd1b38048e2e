"""Routes of the agency registry (/api/v1/agencies): every role reads it (an operator needs an agency's
contact phone when its link is down); administrators change it and see key ids. Secrets are answered once,
when a key is issued."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission, Role, allows
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.interagency import service
from kuzet.interagency.schemas import AgencyIn, AgencyOut, AgencyPatch, IssuedOut, RotateIn

router = APIRouter(prefix="/api/v1/agencies", tags=["agencies"])
Admin = Annotated[Actor, Depends(require(Permission.AGENCIES_MANAGE))]
# The registry is reference data, like the category catalogue: whoever may read the catalogue reads it.
Reader = Annotated[Actor, Depends(require(Permission.CATALOGUE_READ))]
AgencyCode = Annotated[str, Path(max_length=30, description="The agency's code, e.g. ambulance_103")]


def _sees_keys(actor: Actor) -> bool:
    return actor.role is not None and allows(Role(actor.role), Permission.AGENCIES_MANAGE)


def _listed(found: service.Listed, actor: Actor) -> AgencyOut:
    return AgencyOut.from_domain(found.agency, found.keys if _sees_keys(actor) else None)


@router.get("", response_model=list[AgencyOut], summary="Agencies (key ids to administrators; no secrets)")
def list_agencies(actor: Reader, uow: UowDep) -> list[AgencyOut]:
    return [_listed(found, actor) for found in service.all_agencies(uow)]


@router.get("/{code}", response_model=AgencyOut, summary="One agency")
def get_agency(code: AgencyCode, actor: Reader, uow: UowDep) -> AgencyOut:
    return _listed(service.get(uow, code=code), actor)


@router.post(
    "",
    response_model=IssuedOut,
    status_code=201,
    summary="Register an agency; its two keys' secrets are shown once",
)
def create_agency(body: AgencyIn, actor: Admin, services: ServicesDep, uow: UowDep, at: NowDep) -> IssuedOut:
    issued = service.create(uow, services.auth.box, agency=body.to_domain(), by=actor, at=at)
    return IssuedOut.from_domain(issued.agency, issued.keys, issued.all_keys)


@router.patch("/{code}", response_model=AgencyOut, summary="Change an agency's names, endpoint, formats, …")
def update_agency(code: AgencyCode, body: AgencyPatch, actor: Admin, uow: UowDep, at: NowDep) -> AgencyOut:
    service.update(uow, code=code, changes=body.changes(), by=actor, at=at)
    return _listed(service.get(uow, code=code), actor)


@router.post("/{code}/enable", response_model=AgencyOut, summary="Hand incidents over to the agency again")
def enable(code: AgencyCode, actor: Admin, uow: UowDep, at: NowDep) -> AgencyOut:
    service.set_enabled(uow, code=code, enabled=True, by=actor, at=at)
    return _listed(service.get(uow, code=code), actor)


@router.post("/{code}/disable", response_model=AgencyOut, summary="Stop the exchange with the agency")
def disable(code: AgencyCode, actor: Admin, uow: UowDep, at: NowDep) -> AgencyOut:
    service.set_enabled(uow, code=code, enabled=False, by=actor, at=at)
    return _listed(service.get(uow, code=code), actor)


@router.post(
    "/{code}/rotate",
    response_model=IssuedOut,
    status_code=201,
    summary="Issue new keys; the old ones stay valid for the grace period",
)
def rotate(
    code: AgencyCode,
    actor: Admin,
    services: ServicesDep,
    uow: UowDep,
    at: NowDep,
    body: Annotated[RotateIn | None, Body()] = None,
) -> IssuedOut:
    body = body or RotateIn()
    hours = body.grace_hours if body.grace_hours is not None else services.settings.agency_key_grace_hours
    issued = service.rotate(
        uow,
        services.auth.box,
        code=code,
        directions=body.directions,
        grace=timedelta(hours=hours),
        by=actor,
        at=at,
    )
    return IssuedOut.from_domain(issued.agency, issued.keys, issued.all_keys)
