"""Benchmark: unit recommendations over HTTP, from a real server on PostgreSQL holding a year of assignments.

Two scratch PostgreSQL databases are built alike from the same seed: the Andorra road map, two districts
("north" with 40 units, "central" with 200; one unit in ten a foot patrol, one in eight busy on an open
incident), each unit's last fix ingested as the AVL gateway does (snapped on ingest), 25 open incidents per
district and a dispatcher account per district. One of them also holds 200,000 past assignments, each with
its closed incident and appeal, spread over 2025 (`benchmarks.analytics_data.seed_store`, bulk-loaded, then
VACUUM ANALYZE as autovacuum would do); the other holds no history.

Each database gets its own `uvicorn kuzet.app:create_app --factory` server, one worker, production mode,
with the outbox relay, analytics refresher and audit checkpoints off (background work that would only add
noise on two cores). Each district's dispatcher logs in, and one keep-alive httpx client per server times
`GET /api/v1/incidents/{id}/recommendations?k=5`, from sending the request to reading the whole response.
The four cases (history or none, 40 or 200 candidates) are interleaved request by request, the order rotated
each time, over the same incidents; both servers must give the same units and ETAs. Two floors are timed in
the same rotation on the server with history: `/healthz` (HTTP and the middleware) and `/api/v1/auth/me`
(the same plus resolving the session), so that what the recommendation itself adds can be read off. Both
districts live in one database, as in a region: each dispatcher sees only its own district's units.

Goal (issue 15, point 2): over HTTP on a database holding 200k past assignments, p50 <= 5 ms; printed for
40 and for 200 candidates with a met/MISSED verdict. The empty database's figures are the reference that
shows what the history costs.

    .venv/bin/python -m benchmarks.recommend_http [--samples N] [--history N]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text

from benchmarks.analytics_data import UNIT_TYPES, seed_store
from benchmarks.goals import at_most
from benchmarks.recommend import near_roads, seed_district
from benchmarks.scratch import scratch_postgres
from benchmarks.startup import free_port
from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.core.auth import accounts
from kuzet.core.auth.domain import Role
from kuzet.dispatch import service as dispatch
from kuzet.geo.osm import import_osm
from tests.reference import osm_extract

K = 5
DISTRICTS = (("north", 40), ("central", 200))  # district, candidate units
INCIDENTS = 25  # open incidents per district
HISTORY = 200_000
CHUNK = 10_000  # past assignments a transaction; each chunk goes to another five units
P50_GOAL_MS = 5.0
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class District:
    name: str
    units: int
    username: str
    password: str
    incident_ids: tuple[int, ...]


def populate(url: str, roads_file: Path, history: int, password: str) -> list[District]:
    """Migrate and fill one database; the same seed gives the same units, fixes and incidents every time."""
    migrate.upgrade(url)
    folder = roads_file.parent
    settings = Settings(mode=Mode.TEST, database_url=url, data_dir=folder, graph_path=roads_file)
    services = Services.build(settings)
    try:
        roads = services.geo.roads
        if roads is None:
            raise SystemExit("the road graph did not load")
        by = Actor.system("bench")
        now = datetime.now(UTC)
        point = near_roads(roads.graph, np.random.default_rng(15))  # as benchmarks/recommend.py does
        districts, unit_ids = [], []
        for name, count in DISTRICTS:
            ids, open_ids = seed_district(
                services,
                district=name,
                prefix=name[0].upper(),
                units=count,
                incidents_open=INCIDENTS,
                point=point,
                now=now,
            )
            for n in range(0, count, 8):  # one unit in eight already sent to an open incident
                dispatch.assign(
                    services.uow(), incident_id=open_ids[n // 8 % INCIDENTS], unit_id=ids[n], by=by, at=now
                )
            username = f"bench-dispatcher-{name}"
            accounts.create_user(
                services.uow(),
                services.auth,
                username=username,
                password=password,
                role=Role.DISPATCHER,
                district=name,
                full_name=f"Bench dispatcher ({name})",
                phone=None,
                by=by,
                at=now,
            )
            districts.append(District(name, count, username, password, tuple(open_ids)))
            unit_ids += ids
        if history:
            load_history(services, unit_ids, history, now)
    finally:
        services.close()
    return districts


def load_history(services: Services, unit_ids: list[int], size: int, now: datetime) -> None:
    """`size` cleared assignments of 2025, each with its closed incident and appeal, spread over the units."""
    began = time.perf_counter()
    engine = services.engine
    with engine.connect() as connection:
        first = int(connection.execute(text("SELECT max(id) FROM incidents")).scalar_one()) + 1
    for chunk, start in enumerate(range(0, size, CHUNK)):
        # seed_store gives its rows to one unit per unit type in turn; each chunk names five other units.
        five = {
            kind: unit_ids[(chunk * len(UNIT_TYPES) + i) % len(unit_ids)] for i, kind in enumerate(UNIT_TYPES)
        }
        seed_store(engine, five, first_id=first + start, size=min(CHUNK, size - start), at=now)
    autocommit = create_engine(services.settings.database_url, isolation_level="AUTOCOMMIT")
    with autocommit.connect() as connection:
        # The rows came with their own ids: move the sequence past them, as a real load would.
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), max(id)) FROM incidents")
        )
        connection.execute(text("VACUUM (ANALYZE) incidents, appeals, assignments"))
        count = connection.execute(text("SELECT count(*) FROM assignments WHERE NOT active")).scalar_one()
    autocommit.dispose()
    print(f"  {count:,} past assignments loaded in {time.perf_counter() - began:.1f} s")


def start_server(url: str, roads_file: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "KUZET_DATABASE_URL": url,
        "KUZET_MODE": "production",
        "KUZET_SECRET_KEY": secrets.token_urlsafe(48),
        "KUZET_DATA_DIR": str(roads_file.parent),
        "KUZET_GRAPH_PATH": str(roads_file),
        "KUZET_OUTBOX_RELAY": "false",
        "KUZET_ANALYTICS_REFRESH_SECONDS": "0",
        "KUZET_AUDIT_CHECKPOINT_SECONDS": "0",
        "KUZET_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "kuzet.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env, cwd=HERE.parent, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/readyz")
    except BaseException:
        stop(process)
        raise
    return process, base


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def login(http: httpx.Client, district: District) -> dict[str, str]:
    answer = http.post(
        "/api/v1/auth/login", json={"username": district.username, "password": district.password}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def measure(servers: dict[str, str], districts: list[District], samples: int) -> None:
    """Every case once per turn, the order rotated each turn; two floors beside them on the first server:
    /healthz (HTTP and the middleware) and /api/v1/auth/me (the same plus resolving the session)."""
    labels = list(servers)
    clients = {label: httpx.Client(base_url=base, timeout=30) for label, base in servers.items()}
    try:
        headers = {(label, d.name): login(clients[label], d) for label in labels for d in districts}
        # (server, what, district or None)
        cases: list[tuple[str, str, District | None]] = [
            (label, "recommendations", d) for label in labels for d in districts
        ]
        cases += [(labels[0], "/healthz", None), (labels[0], "/api/v1/auth/me", None)]

        def get(label: str, what: str, district: District | None, turn: int) -> httpx.Response:
            if district is None:  # a floor, as the first district's dispatcher
                return clients[label].get(what, headers=headers[label, districts[0].name])
            incident_id = district.incident_ids[turn % INCIDENTS]
            return clients[label].get(
                f"/api/v1/incidents/{incident_id}/recommendations",
                params={"k": K},
                headers=headers[label, district.name],
            )

        for turn in range(INCIDENTS):  # warm-up: engines, statement caches, prepared statements
            for case in cases:
                get(*case, turn).raise_for_status()
        times: dict[tuple[str, str, District | None], list[float]] = {case: [] for case in cases}
        answers: dict[tuple[str, str, int], list[tuple[int, float]]] = {}
        for turn in range(samples):
            for case in cases[turn % len(cases) :] + cases[: turn % len(cases)]:
                started = time.perf_counter()
                answer = get(*case, turn)
                times[case].append(time.perf_counter() - started)
                answer.raise_for_status()
                label, _, district = case
                if district is not None and turn < INCIDENTS:
                    answers[label, district.name, turn] = [
                        (u["unit_id"], u["eta_s"]) for u in answer.json()["units"]
                    ]
    finally:
        for client in clients.values():
            client.close()

    def p50_p99(case: tuple[str, str, District | None]) -> tuple[float, float]:
        ms = np.array(times[case]) * 1000
        return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))

    for district in districts:
        print(f"\n== {district.units} candidate units ({district.name}), {samples} requests a case")
        p50s = {}
        for label in labels:
            p50, p99 = p50_p99((label, "recommendations", district))
            p50s[label] = p50
            if label == labels[0]:
                print(at_most(f"GET recommendations, {label}, p50", p50, P50_GOAL_MS, "ms"))
                print(f"  GET recommendations, {label}, p99: {p99:.3g} ms")
            else:
                print(f"  GET recommendations, {label}, p50: {p50:.3g} ms, p99: {p99:.3g} ms")
        print(f"  {labels[0]} / {labels[1]}, p50s: {p50s[labels[0]] / p50s[labels[1]]:.2f}x")
    print(f"\n== floors on the server with {labels[0]}, interleaved with the above")
    for path in ("/healthz", "/api/v1/auth/me"):
        p50, p99 = p50_p99((labels[0], path, None))
        print(f"  GET {path}: p50 {p50:.3g} ms, p99 {p99:.3g} ms")
    differ = sum(
        answers[label, name, turn] != answers[labels[1], name, turn]
        for (label, name, turn) in answers
        if label == labels[0]
    )
    print(f"  answers (units and ETAs) differing between the two databases: {differ} of {len(answers) // 2}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000, help="requests per case")
    parser.add_argument("--history", type=int, default=HISTORY, help="past assignments in the first database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kuzet-recommend-http-") as folder:
        roads_file = Path(folder) / "roads.npz"
        import_osm(osm_extract("andorra.osm.pbf")).graph.save(roads_file)
        run(roads_file, args.history, args.samples)


def run(roads_file: Path, history: int, samples: int) -> None:
    history_label = f"{history // 1000}k past assignments"
    print("Recommendations over HTTP (issue 15, point 2): Andorra, PostgreSQL, 1 uvicorn worker, k = 5")
    with scratch_postgres("kuzet_rec_hist") as with_history, scratch_postgres("kuzet_rec_empty") as empty:
        print(f"building the database with {history_label}")
        password = "Bench-" + secrets.token_urlsafe(18)
        districts = populate(with_history, roads_file, history, password)
        print("building the database with no history")
        if populate(empty, roads_file, 0, password) != districts:
            raise SystemExit("the two databases differ in their units or incidents")
        processes = []
        try:
            servers = {}
            for label, url in ((history_label, with_history), ("no history", empty)):
                process, base = start_server(url, roads_file)
                processes.append(process)
                servers[label] = base
            measure(servers, districts, samples)
        finally:
            for process in processes:
                stop(process)


if __name__ == "__main__":
    main()
