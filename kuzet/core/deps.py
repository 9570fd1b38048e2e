"""FastAPI dependencies: the services, a unit of work, the caller's address, and permission checks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute

from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.auth.domain import PENDING_SECOND_FACTOR_PERMISSIONS, Permission, Role, allows
from kuzet.core.auth.service import resolve_session
from kuzet.core.errors import Forbidden, KuzetError, Unauthenticated
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

if TYPE_CHECKING:
    # The composition root, above core: named for the type checker only, never imported at run time.
    from kuzet.container import Services

_bearer = HTTPBearer(auto_error=False, description="Session token from POST /api/v1/auth/login")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated["Services", Depends(get_services)]


def get_uow(services: ServicesDep) -> UnitOfWork:
    return services.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def source_address(request: Request) -> str | None:
    return request.client.host if request.client else None


SourceDep = Annotated[str | None, Depends(source_address)]


def now(services: ServicesDep) -> datetime:
    return services.clock.now()


NowDep = Annotated[datetime, Depends(now)]


class SecondFactorPending(KuzetError):
    status, slug = 403, "second-factor-enrolment-required"
    title = N_("Second factor required")
    default_detail = N_("Your role requires a second factor. Enrol and confirm it before you continue.")


def _refuse(services: Services, actor: Actor, request: Request, permission: Permission, reason: str) -> None:
    """Every refused access leaves an audit row of its own."""
    route = request.scope.get("route")
    with services.uow() as uow:
        uow.audit(
            actor,
            "access.refused",
            object_type="endpoint",
            object_id=f"{request.method} {getattr(route, 'path', request.url.path)}",
            outcome=Outcome.DENIED,
            detail={"permission": permission.value, "reason": reason},
        )
        uow.commit()


class Require:
    """A dependency that lets a request through only for a role holding `permission`.

    The permission is kept on the object so that tests and the start-up check can read it off each route.
    """

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        services = get_services(request)
        source = source_address(request)
        if credentials is None:
            _refuse(services, Actor.anonymous(source), request, self.permission, "no_token")
            raise Unauthenticated(headers={"WWW-Authenticate": "Bearer"})
        try:
            info = resolve_session(
                services.uow(),
                services.auth,
                token=credentials.credentials,
                source=source,
                at=services.clock.now(),
            )
        except Unauthenticated as exc:
            reason = f"session_{exc.extra['session_end']}" if "session_end" in exc.extra else "bad_session"
            _refuse(services, Actor.anonymous(source), request, self.permission, reason)
            exc.headers.setdefault("WWW-Authenticate", "Bearer")
            raise
        actor = info.actor
        if not info.second_factor_ok and self.permission not in PENDING_SECOND_FACTOR_PERMISSIONS:
            _refuse(services, actor, request, self.permission, "second_factor_pending")
            raise SecondFactorPending()
        if actor.role is None or not allows(Role(actor.role), self.permission):
            _refuse(services, actor, request, self.permission, "role")
            raise Forbidden()
        return actor


def require(permission: Permission) -> Require:
    return Require(permission)


def declared_permission(route: APIRoute) -> StrEnum | None:
    """The permission (a staff permission, or a partner key's scope) a route requires, read off its
    dependencies; None for a public route."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        permission = getattr(dependency.call, "permission", None)
        if isinstance(permission, StrEnum):
            return permission
        pending.extend(dependency.dependencies)
    return None


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route of an app, including those of included routers.

    FastAPI may keep an included router as one wrapper object; its own routes are read from it. Routers are
    included without an extra prefix, so each route's path is its final path.
    """
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)
