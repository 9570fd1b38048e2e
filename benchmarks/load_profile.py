"""Where the load benchmark's time goes, seen from the servers and the database.

- Each host's own time per route, from its Prometheus histogram (/metrics): the mean from the request's
  arrival in the app to its answer, threadpool queueing included; compared with what the load generator
  measured, it tells the server's share from the network's and the generator's.
- What the database's sessions were doing, sampled every 50 ms from pg_stat_activity: on CPU, waiting on a
  lock (and on which statement), on a lightweight lock, on I/O (a commit's WAL flush), or idle in a
  transaction (the server busy between two statements of an open transaction).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psycopg

METRIC = re.compile(
    r'^kuzet_http_request_duration_seconds_(sum|count)\{method="(\w+)",route="([^"]+)"\} ([0-9.e+-]+)$'
)


def route_times(url: str) -> dict[tuple[str, str], tuple[float, float]]:
    """(method, route) → (total seconds, count) so far, from the host's /metrics."""
    totals: dict[tuple[str, str], list[float]] = {}
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        found = METRIC.match(line)
        if found:
            kind, method, route, value = found.groups()
            entry = totals.setdefault((method, route), [0.0, 0.0])
            entry[0 if kind == "sum" else 1] = float(value)
    return {key: (value[0], value[1]) for key, value in totals.items()}


def route_lines(
    before: list[dict[tuple[str, str], tuple[float, float]]],
    after: list[dict[tuple[str, str], tuple[float, float]]],
) -> list[str]:
    """The busiest routes over the run, both hosts together: count and mean server time."""
    spent: Counter[tuple[str, str]] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for first, last in zip(before, after, strict=True):
        for key, (total, count) in last.items():
            was_total, was_count = first.get(key, (0.0, 0.0))
            spent[key] += total - was_total
            counts[key] += int(count - was_count)
    lines = []
    for (method, route), seconds in spent.most_common(12):
        if route == "/api/v1/live" or not counts[(method, route)]:
            continue  # the feed's streams last the whole run
        mean = seconds / counts[(method, route)] * 1000
        lines.append(
            f"    {method} {route}: {counts[(method, route)]} requests, mean {mean:,.1f} ms in the server"
        )
    return lines


@dataclass
class Waits:
    """pg_stat_activity of one database, sampled in a thread."""

    url: str
    samples: int = 0
    states: Counter[str] = field(default_factory=Counter)
    lock_queries: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Waits:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        conninfo = self.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as connection:
            while not self._stop.wait(0.05):
                rows = connection.execute(
                    "SELECT state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend' AND state <> 'idle'"
                ).fetchall()
                self.samples += 1
                for state, wait_type, wait_event, query in rows:
                    if state == "idle in transaction":
                        self.states["idle in transaction (server busy between statements)"] += 1
                    elif wait_type is None:
                        self.states["running (CPU)"] += 1
                    else:
                        self.states[f"waiting: {wait_type}/{wait_event}"] += 1
                        if wait_type == "Lock":
                            self.lock_queries[" ".join(str(query).split())] += 1

    def lines(self) -> list[str]:
        if not self.samples:
            return []
        lines = [f"    database sessions, mean over {self.samples} samples (50 ms apart):"]
        for state, count in self.states.most_common(8):
            lines.append(f"      {count / self.samples:6.2f}  {state}")
        for query, count in self.lock_queries.most_common(4):
            lines.append(f"      {count / self.samples:6.2f}  waiting on a lock in: {query}")
        return lines
