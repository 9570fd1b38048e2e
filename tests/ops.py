"""Fixtures of a working ЦОУ: logged-in staff of each role, and helpers to take calls and send units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.conftest import MakeUser
from tests.core.auth.helpers import logged_in

# Points in the demo region (Andorra la Vella), a few hundred metres apart.
PLAZA = (42.5063, 1.5218)
NEAR_PLAZA = (42.5071, 1.5230)  # about 130 m away
FAR_AWAY = (42.5580, 1.5330)  # several km away


@dataclass
class Desk:
    """One logged-in person at the ЦОУ, with the HTTP client they work through."""

    http: httpx.Client
    headers: dict[str, str]

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        return self.http.post(path, json=body, headers={**self.headers, **headers})

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers)

    def patch(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.patch(path, json=body, headers=self.headers)

    def put(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.put(path, json=body, headers=self.headers)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def call(self, **fields: Any) -> Any:
        """Take a 102 call; returns the registration."""
        lat, lon = fields.pop("at", PLAZA)
        body = {
            "caller_phone": "+77011234567",
            "caller_name": "Серик Ахметов",
            "text": "Драка у магазина, двое мужчин",
            "category_code": "fight",
            "lat": lat,
            "lon": lon,
            "address": "Plaça del Poble",
            **fields,
        }
        return self.ok(self.post("/api/v1/appeals", body), 201)

    def unit(
        self, call_sign: str, *, district: str = "central", on_duty: bool = True, type: str = "patrol_car"
    ) -> Any:
        """A unit on the roster (created by a supervisor's desk), on shift unless said otherwise."""
        unit = self.ok(
            self.post(
                "/api/v1/units",
                {
                    "call_sign": call_sign,
                    "type": type,
                    "district": district,
                    "crew": [{"name": "Ерлан Сейтов", "badge": "0412"}],
                },
            ),
            201,
        )
        if on_duty:
            unit = self.ok(self.post(f"/api/v1/units/{unit['id']}/shift", {"on_duty": True}))
        return unit


@dataclass
class Centre:
    call_taker: Desk
    dispatcher: Desk
    supervisor: Desk
    analyst: Desk
    admin: Desk


@pytest.fixture
def centre(http: httpx.Client, services: Services, make_user: MakeUser) -> Centre:
    """Staff of the `central` district (the supervisor is region-wide)."""

    def desk(name: str, role: Role, district: str | None) -> Desk:
        _, headers = logged_in(http, services, make_user, name, role, district)
        return Desk(http, headers)

    return Centre(
        call_taker=desk("ct1", Role.CALL_TAKER, "central"),
        dispatcher=desk("disp1", Role.DISPATCHER, "central"),
        supervisor=desk("sup1", Role.SUPERVISOR, None),
        analyst=desk("an1", Role.ANALYST, "central"),
        admin=desk("adm1", Role.ADMIN, None),
    )


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(UTC)
