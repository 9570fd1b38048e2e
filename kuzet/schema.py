"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from kuzet.analytics.cad import tables as _imported_store
from kuzet.appeals import store as _appeals_store
from kuzet.cctv import camera_events_store as _camera_events_store
from kuzet.cctv import footage_store as _cctv_footage_store
from kuzet.cctv import health_store as _camera_health_store
from kuzet.cctv import store as _cctv_store
from kuzet.cctv import watchlist_store as _watchlist_store
from kuzet.console import store as _console_store
from kuzet.core import numbering as _numbering
from kuzet.core import outbox as _outbox
from kuzet.core.audit import store as _audit_store
from kuzet.core.auth import store as _auth_store
from kuzet.core.db import metadata
from kuzet.dispatch import store as _dispatch_store
from kuzet.geo import store as _geo_store
from kuzet.incidents import store as _incidents_store
from kuzet.interagency import alert_store as _alert_store
from kuzet.interagency import link_store as _agency_links_store
from kuzet.interagency import store as _interagency_store
from kuzet.partners import store as _partners_store
from kuzet.units import store as _units_store
from kuzet.units.positions import store as _positions_store

__all__ = ["metadata"]
_TABLE_MODULES = (
    _imported_store,
    _console_store,
    _outbox,
    _partners_store,
    _interagency_store,
    _agency_links_store,
    _alert_store,
    _audit_store,
    _auth_store,
    _numbering,
    _incidents_store,
    _appeals_store,
    _units_store,
    _dispatch_store,
    _positions_store,
    _geo_store,
    _watchlist_store,
    _camera_events_store,
    _camera_health_store,
    _cctv_store,
    _cctv_footage_store,
)
