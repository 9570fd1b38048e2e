"""Rotating the key of a machine client that signs its requests (a partner, an analytics source): a new key is
issued and the old ones keep working for a grace period (zero: at once, for a leaked key), so the client
switches without downtime. The feature gives its registry, its new key and the names it audits under."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from kuzet.core.actor import Actor
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import NotFound
from kuzet.core.uow import UnitOfWork


class _Key(Protocol):
    @property
    def key_id(self) -> str: ...


OwnerT = TypeVar("OwnerT", covariant=True)
KeyT = TypeVar("KeyT", bound=_Key)
KeyT_contra = TypeVar("KeyT_contra", contravariant=True)


class KeyRegistry(Protocol[OwnerT, KeyT_contra]):
    """The part of a feature's repository that rotation uses."""

    def find(self, code: str) -> OwnerT | None: ...

    def add_key(self, key: KeyT_contra, box: SecretBox) -> None: ...

    def expire_keys(self, code: str, *, at: datetime, except_key: str) -> None: ...


Owner = TypeVar("Owner")


def rotate(
    uow: UnitOfWork,
    box: SecretBox,
    registry: Callable[[Session], KeyRegistry[Owner, KeyT]],
    *,
    code: str,
    new_key: Callable[[], KeyT],
    action: str,
    object_type: str,
    grace: timedelta,
    by: Actor,
    at: datetime,
) -> tuple[Owner, KeyT]:
    """Issue `new_key()` to the client `code` (NotFound if there is none), let its other keys expire at
    `at + grace`, and audit it as `action` on `object_type`."""
    with uow:
        repo = uow.repo(registry)
        owner = repo.find(code)
        if owner is None:
            raise NotFound()
        key = new_key()
        repo.add_key(key, box)
        repo.expire_keys(code, at=at + grace, except_key=key.key_id)
        uow.audit(
            by,
            action,
            object_type=object_type,
            object_id=code,
            at=at,
            detail={"key_id": key.key_id, "old_keys_expire_at": (at + grace).isoformat()},
        )
        uow.commit()
    return owner, key
