"""Use cases of managing accounts: create, list, lock, unlock, reset the second factor or the password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import (
    Role,
    ScopeError,
    User,
    check_scope,
    password_problem,
    split_districts,
)
from kuzet.core.auth.service import AuthConfig
from kuzet.core.auth.store import UserRepository
from kuzet.core.errors import Conflict, FieldError, InvalidInput, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork


def _check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        raise InvalidInput([FieldError("password", problem, "weak_password", params={"min_length": 10})])


def create_user(
    uow: UnitOfWork,
    cfg: AuthConfig,
    *,
    username: str,
    password: str,
    role: Role,
    district: str | None,
    full_name: str,
    phone: str | None,
    by: Actor,
    at: datetime,
    also_districts: tuple[str, ...] = (),
) -> User:
    """`district` is the first district (None: region-wide); an analyst may have `also_districts`."""
    also = tuple(d for d in dict.fromkeys(also_districts) if d != district)
    _check_scope(role, district, also)
    username = username.lower()  # user names are compared without case; stored in lower case
    _check_password(password, username)
    with uow:
        if not all(by.in_scope(d) for d in (district, *also)):
            raise uow.refuse(
                by,
                "user.create",
                InvalidInput([FieldError("district", N_("Outside your district."), "out_of_scope")]),
                object_type="user",
                object_id=username,
                reason="out_of_scope",
            )
        users = uow.repo(UserRepository)
        if users.by_username(username) is not None:
            raise Conflict(N_("The user name {username} is taken."), username=username)
        try:
            user = users.add(
                username=username,
                role=role.value,
                district=district,
                full_name=full_name,
                phone=phone,
                password_hash=cfg.passwords.hash(password),
                totp_confirmed=False,
                disabled=False,
                created_at=at,
            )
        except IntegrityError as exc:
            raise Conflict(N_("The user name {username} is taken."), username=username) from exc
        if also:
            users.set_also_districts(user.id, also)
            user = users.get(user.id)
        uow.audit(
            by,
            "user.create",
            object_type="user",
            object_id=user.id,
            detail={"role": role.value, "district": district, "districts": list(user.districts)},
            at=at,
        )
        uow.commit()
    return user


def _check_scope(role: Role, district: str | None, also: tuple[str, ...]) -> None:
    try:
        check_scope(role, district, also)
    except ScopeError as exc:
        code = "district_required" if district is None and not also else "single_district"
        raise InvalidInput([FieldError("district", str(exc), code)]) from exc


def set_districts(
    uow: UnitOfWork, *, user_id: int, districts: tuple[str, ...], by: Actor, at: datetime
) -> User:
    """Tie a user to these districts (the first is the user's district), or to none: region-wide. Only an
    analyst may have several; the actor must have every old and new one in scope. Ends nothing: the user's
    sessions take the new scope at their next request."""
    district, also = split_districts(districts)
    with uow:
        users = uow.repo(UserRepository)
        user = _get_in_scope(uow, user_id, by, "user.set_districts")
        _check_scope(user.role, district, also)
        if not all(by.in_scope(d) for d in (district, *also, *user.districts)):
            raise uow.refuse(
                by,
                "user.set_districts",
                InvalidInput([FieldError("district", N_("Outside your district."), "out_of_scope")]),
                object_type="user",
                object_id=user_id,
                reason="out_of_scope",
            )
        before = list(user.districts)
        users.update(user.id, district=district)
        users.set_also_districts(user.id, also)
        user = users.get(user.id)
        uow.audit(
            by,
            "user.set_districts",
            object_type="user",
            object_id=user.id,
            detail={"before": before, "districts": list(user.districts)},
            at=at,
        )
        uow.commit()
    return user


def _get_in_scope(uow: UnitOfWork, user_id: int, by: Actor, action: str) -> User:
    """A user outside the actor's district is reported as missing, so scope does not leak who exists.

    That refusal is audited; a plain miss is not.
    """
    user = uow.repo(UserRepository).find(user_id)
    if user is None:
        raise NotFound()
    if not by.in_scope(user.district):
        raise uow.refuse(by, action, NotFound(), object_type="user", object_id=user_id, reason="out_of_scope")
    return user


def list_users(uow: UnitOfWork, *, by: Actor) -> list[User]:
    with uow:
        return uow.repo(UserRepository).in_district(district=by.district, also=by.also_districts)


def get_user(uow: UnitOfWork, *, user_id: int, by: Actor) -> User:
    with uow:
        return _get_in_scope(uow, user_id, by, "user.read")


def lock_user(uow: UnitOfWork, *, user_id: int, by: Actor, at: datetime) -> User:
    with uow:
        users = uow.repo(UserRepository)
        user = _get_in_scope(uow, user_id, by, "user.lock")
        if user.id == by.user_id:
            raise Conflict(N_("You cannot lock your own account."))
        user = users.update(user.id, locked_at=at, lock_reason="by_admin")
        users.revoke_sessions(user.id, at)
        uow.audit(
            by, "user.lock", object_type="user", object_id=user.id, detail={"reason": "by_admin"}, at=at
        )
        uow.commit()
    return user


def unlock_user(uow: UnitOfWork, *, user_id: int, by: Actor, at: datetime) -> User:
    with uow:
        users = uow.repo(UserRepository)
        user = _get_in_scope(uow, user_id, by, "user.unlock")
        user = users.update(user.id, locked_at=None, lock_reason=None)
        uow.audit(by, "user.unlock", object_type="user", object_id=user.id, at=at)
        uow.commit()
    return user


def reset_second_factor(uow: UnitOfWork, *, user_id: int, by: Actor, at: datetime) -> User:
    """Forget the user's TOTP secret and end their sessions; they enrol again at the next login."""
    with uow:
        users = uow.repo(UserRepository)
        user = _get_in_scope(uow, user_id, by, "user.reset_2fa")
        user = users.update(user.id, totp_secret=None, totp_confirmed=False, totp_last_step=None)
        users.revoke_sessions(user.id, at)
        uow.audit(by, "user.reset_2fa", object_type="user", object_id=user.id, at=at)
        uow.commit()
    return user


def reset_password(
    uow: UnitOfWork, cfg: AuthConfig, *, user_id: int, password: str, by: Actor, at: datetime
) -> User:
    with uow:
        users = uow.repo(UserRepository)
        user = _get_in_scope(uow, user_id, by, "user.reset_password")
        _check_password(password, user.username)
        user = users.update(user.id, password_hash=cfg.passwords.hash(password))
        users.revoke_sessions(user.id, at)
        uow.audit(by, "user.reset_password", object_type="user", object_id=user.id, at=at)
        uow.commit()
    return user


def find_by_username(uow: UnitOfWork, username: str) -> User:
    with uow:
        user = uow.repo(UserRepository).by_username(username)
    if user is None:
        raise NotFound(N_("No user named {username}."), username=username)
    return user
