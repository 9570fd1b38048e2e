"""Under parallel writers: appeal numbers have no gaps or duplicates; a unit takes exactly one assignment."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx

from kuzet.appeals import service as appeals
from kuzet.appeals.domain import AppealInput, Region
from kuzet.container import Services
from kuzet.core.actor import Actor, ActorKind
from tests.conftest import LiveServer
from tests.ops import PLAZA, Centre

WRITERS, EACH = 8, 10
ATTEMPTS = 50


def test_parallel_call_takers_get_gapless_unique_numbers(services: Services) -> None:
    actor = Actor(ActorKind.USER, "ct-parallel", role="call_taker", district="central", source="127.0.0.1")
    region = Region(services.settings.region_bbox)

    def take_calls(_: int) -> list[str]:
        numbers = []
        for _ in range(EACH):
            at = datetime.now(UTC)
            data = AppealInput(
                text="Шум",
                category_code="noise",
                received_at=at,
                caller_phone="+77011234567",
                lat=PLAZA[0],
                lon=PLAZA[1],
            )
            numbers.append(
                appeals.register(
                    services.uow(), data=data, region=region, link_to=None, by=actor, at=at
                ).appeal.number
            )
        return numbers

    with ThreadPoolExecutor(WRITERS) as pool:
        numbers = [n for batch in pool.map(take_calls, range(WRITERS)) for n in batch]
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(1, WRITERS * EACH + 1))


def test_fifty_dispatchers_race_for_one_unit_and_one_wins(server: LiveServer, centre: Centre) -> None:
    unit = centre.supervisor.unit("Беркут-77")
    incidents = [
        centre.call_taker.call(text=f"Вызов {i}", at=(PLAZA[0] + i * 0.001, PLAZA[1]))["incident"]
        for i in range(ATTEMPTS)
    ]
    headers = centre.dispatcher.headers

    def attempt(incident_id: int) -> int:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            return client.post(
                f"/api/v1/incidents/{incident_id}/assignments", json={"unit_id": unit["id"]}
            ).status_code

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        statuses = list(pool.map(attempt, [i["id"] for i in incidents]))
    assert sorted(statuses) == [201] + [409] * (ATTEMPTS - 1)
    board = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/units/{unit['id']}"))
    assert board["unit"]["status"] == "dispatched"
    dispatched = [
        i
        for i in centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents"))
        if i["status"] == "dispatched"
    ]
    assert len(dispatched) == 1


def test_a_busy_unit_is_refused_with_a_clear_conflict(centre: Centre) -> None:
    unit = centre.supervisor.unit("Беркут-78")
    first = centre.call_taker.call()["incident"]
    second = centre.call_taker.call(at=(42.52, 1.54))["incident"]
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{first['id']}/assignments", {"unit_id": unit["id"]}), 201)
    refused = d.post(
        f"/api/v1/incidents/{second['id']}/assignments", {"unit_id": unit["id"]}, **{"Accept-Language": "en"}
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "The unit Беркут-78 is not available (status dispatched)."
