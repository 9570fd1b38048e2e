"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from kuzet.core.audit import store as _audit_store
from kuzet.core.auth import store as _auth_store
from kuzet.core.db import metadata

__all__ = ["metadata"]
_TABLE_MODULES = (_audit_store, _auth_store)
