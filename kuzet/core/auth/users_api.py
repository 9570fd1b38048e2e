"""Routes of account administration. Scope: a district user sees and manages only its district."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kuzet.core.actor import Actor
from kuzet.core.auth import accounts
from kuzet.core.auth.domain import Permission
from kuzet.core.auth.schemas import DistrictsIn, PasswordIn, UserIn, UserOut
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.ids import RowId

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Reader = Annotated[Actor, Depends(require(Permission.USERS_READ))]
Manager = Annotated[Actor, Depends(require(Permission.USERS_MANAGE))]


@router.get("", response_model=list[UserOut], summary="List accounts in your scope")
def list_users(actor: Reader, uow: UowDep) -> list[UserOut]:
    return [UserOut.from_domain(u, viewer_role=actor.role) for u in accounts.list_users(uow, by=actor)]


@router.post("", response_model=UserOut, status_code=201, summary="Create an account")
def create_user(body: UserIn, actor: Manager, services: ServicesDep, uow: UowDep, at: NowDep) -> UserOut:
    user = accounts.create_user(
        uow,
        services.auth,
        username=body.username,
        password=body.password,
        role=body.role,
        district=body.district,
        also_districts=tuple(body.also_districts),
        full_name=body.full_name,
        phone=body.phone,
        by=actor,
        at=at,
    )
    return UserOut.from_domain(user, viewer_role=actor.role)


@router.get("/{user_id}", response_model=UserOut, summary="One account")
def get_user(user_id: RowId, actor: Reader, uow: UowDep) -> UserOut:
    return UserOut.from_domain(accounts.get_user(uow, user_id=user_id, by=actor), viewer_role=actor.role)


@router.post("/{user_id}/lock", response_model=UserOut, summary="Lock an account and end its sessions")
def lock_user(user_id: RowId, actor: Manager, uow: UowDep, at: NowDep) -> UserOut:
    return UserOut.from_domain(
        accounts.lock_user(uow, user_id=user_id, by=actor, at=at), viewer_role=actor.role
    )


@router.post("/{user_id}/unlock", response_model=UserOut, summary="Unlock an account")
def unlock_user(user_id: RowId, actor: Manager, uow: UowDep, at: NowDep) -> UserOut:
    user = accounts.unlock_user(uow, user_id=user_id, by=actor, at=at)
    return UserOut.from_domain(user, viewer_role=actor.role)


@router.post("/{user_id}/reset-2fa", response_model=UserOut, summary="Forget the account's second factor")
def reset_2fa(user_id: RowId, actor: Manager, uow: UowDep, at: NowDep) -> UserOut:
    user = accounts.reset_second_factor(uow, user_id=user_id, by=actor, at=at)
    return UserOut.from_domain(user, viewer_role=actor.role)


@router.post("/{user_id}/password", response_model=UserOut, summary="Set a new password; ends sessions")
def reset_password(
    user_id: RowId, body: PasswordIn, actor: Manager, services: ServicesDep, uow: UowDep, at: NowDep
) -> UserOut:
    user = accounts.reset_password(
        uow, services.auth, user_id=user_id, password=body.password, by=actor, at=at
    )
    return UserOut.from_domain(user, viewer_role=actor.role)


@router.put("/{user_id}/districts", response_model=UserOut, summary="Tie an account to its districts")
def set_districts(user_id: RowId, body: DistrictsIn, actor: Manager, uow: UowDep, at: NowDep) -> UserOut:
    user = accounts.set_districts(uow, user_id=user_id, districts=tuple(body.districts), by=actor, at=at)
    return UserOut.from_domain(user, viewer_role=actor.role)
