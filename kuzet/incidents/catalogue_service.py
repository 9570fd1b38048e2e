"""Use cases of the category catalogue: read it, and (administrators) add or change a category."""

from __future__ import annotations

import re
from datetime import datetime

from kuzet.core.actor import Actor
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.incidents.catalogue import Category
from kuzet.incidents.store import CategoryRepository

_CODE = re.compile(r"[a-z][a-z0-9_]{1,59}")


def categories(uow: UnitOfWork, *, include_inactive: bool) -> list[Category]:
    with uow:
        return uow.repo(CategoryRepository).all(include_inactive=include_inactive)


def put(uow: UnitOfWork, *, category: Category, by: Actor, at: datetime) -> tuple[Category, bool]:
    """Create or replace a category. Categories are never deleted (old incidents name them): deactivate."""
    if not _CODE.fullmatch(category.code):
        raise InvalidInput([FieldError("code", N_("Does not match the expected format."), "pattern")])
    with uow:
        repo = uow.repo(CategoryRepository)
        before = repo.find(category.code)
        repo.put(category)
        uow.audit(
            by,
            "category.put",
            object_type="category",
            object_id=category.code,
            at=at,
            detail={"created": before is None, "priority": category.priority, "active": category.active},
        )
        uow.commit()
    return category, before is None
