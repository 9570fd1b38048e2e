"""Routes of logging in and out, the current user and the second factor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kuzet.core.actor import Actor
from kuzet.core.auth import service, throttling
from kuzet.core.auth.accounts import get_user
from kuzet.core.auth.domain import Permission
from kuzet.core.auth.schemas import (
    CodeIn,
    EnrolmentOut,
    LoginIn,
    LoginOut,
    ThrottlesClearedOut,
    ThrottlesOut,
    UserOut,
)
from kuzet.core.deps import NowDep, ServicesDep, SourceDep, UowDep, require
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
SessionActor = Annotated[Actor, Depends(require(Permission.SESSION))]
Manager = Annotated[Actor, Depends(require(Permission.USERS_MANAGE))]

PUBLIC_ROUTES = {("POST", "/api/v1/auth/login")}


@router.post(
    "/login",
    response_model=LoginOut,
    summary="Log in; returns a session token",
    responses=problems(401, 423, 429),
)
def post_login(body: LoginIn, services: ServicesDep, uow: UowDep, source: SourceDep, at: NowDep) -> LoginOut:
    result = service.login(
        uow,
        services.auth,
        username=body.username,
        password=body.password,
        totp_code=body.totp_code,
        source=source,
        at=at,
    )
    return LoginOut(
        token=result.token,
        expires_at=result.expires_at,
        idle_timeout_seconds=int(services.auth.sessions.idle.total_seconds()),
        second_factor_pending=result.second_factor_pending,
        user=UserOut.from_domain(result.user, viewer_role=result.user.role.value),
    )


@router.post("/logout", status_code=204, summary="End this session")
def post_logout(actor: SessionActor, uow: UowDep, at: NowDep) -> None:
    service.logout(uow, actor=actor, at=at)


@router.get("/me", response_model=UserOut, summary="The logged-in user")
def get_me(actor: SessionActor, uow: UowDep) -> UserOut:
    user = get_user(uow, user_id=actor.require_user_id(), by=actor)
    return UserOut.from_domain(user, viewer_role=actor.role)


@router.post("/totp/enrol", response_model=EnrolmentOut, status_code=201, summary="Start TOTP enrolment")
def post_totp_enrol(actor: SessionActor, services: ServicesDep, uow: UowDep, at: NowDep) -> EnrolmentOut:
    enrolment = service.start_totp_enrolment(uow, services.auth, actor=actor, at=at)
    return EnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.uri)


@router.post("/totp/confirm", response_model=UserOut, summary="Confirm TOTP enrolment with a code")
def post_totp_confirm(
    body: CodeIn, actor: SessionActor, services: ServicesDep, uow: UowDep, at: NowDep
) -> UserOut:
    user = service.confirm_totp(uow, services.auth, actor=actor, code=body.code, at=at)
    return UserOut.from_domain(user, viewer_role=actor.role)


@router.get(
    "/throttles",
    response_model=ThrottlesOut,
    summary="User names and addresses whose failed logins still count, and which of them wait",
)
def get_throttles(actor: Manager, services: ServicesDep, uow: UowDep, at: NowDep) -> ThrottlesOut:
    return ThrottlesOut.from_domain(throttling.list_throttles(uow, services.auth.throttle, at=at))


@router.delete(
    "/throttles",
    response_model=ThrottlesClearedOut,
    summary="Forget the failed logins of a user name, of an address, or of the pair when both are given",
)
def delete_throttles(
    actor: Manager,
    uow: UowDep,
    at: NowDep,
    username: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    address: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
) -> ThrottlesClearedOut:
    cleared = throttling.clear_throttles(uow, username=username, address=address, by=actor, at=at)
    return ThrottlesClearedOut(cleared=cleared)
