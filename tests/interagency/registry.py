"""Helpers of the agency-registry tests: an agency as an administrator would send it, and the audit rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.audit.store import audit_log

AMBULANCE: dict[str, Any] = {
    "code": "ambulance_103",
    "names": {
        "ru": "Скорая медицинская помощь 103",
        "kk": "Жедел медициналық жәрдем 103",
        "en": "Ambulance 103",
    },
    "endpoint_url": "http://127.0.0.1:18103/handover",
    "formats": ["eido"],
    "ack_deadlines": {"1": 60, "2": 120, "3": 300, "4": 600},
    "contact_phone": "+7 7172 55 01 03",
}


def audit_rows(services: Services, prefix: str = "agency.") -> list[Any]:
    """The audit rows of agency actions, oldest first."""
    with services.engine.connect() as connection:
        return list(
            connection.execute(
                select(audit_log).where(audit_log.c.action.startswith(prefix)).order_by(audit_log.c.seq)
            ).all()
        )
