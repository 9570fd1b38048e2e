"""What the load test measured: latencies by kind, requests and errors by kind, and the feed's reach. Pure.

Latencies are kept in seconds and reported in milliseconds as n, p50, p99 and max (percentiles by linear
interpolation, numpy's default). The kinds the goals name are `intake` (102 and partner appeals together),
`recommendation`, `assignment` and `feed` (from the HTTP answer of a change to its event on a console).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

GOAL_KINDS: Final = ("intake", "recommendation", "assignment", "feed")


def summary(samples: list[float]) -> dict[str, float | int | None]:
    """n, p50, p99 and max of latencies in seconds, in milliseconds."""
    if not samples:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    values = np.asarray(samples, dtype=np.float64) * 1000.0
    p50, p99 = np.percentile(values, [50, 99])
    return {
        "n": len(samples),
        "p50_ms": round(float(p50), 2),
        "p99_ms": round(float(p99), 2),
        "max_ms": round(float(values.max()), 2),
    }


@dataclass
class Recorder:
    """Everything the actors measure, gathered in one place (one event loop: no locks)."""

    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # not errors: what the simulated people did

    def latency(self, kind: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)

    def request(self, kind: str) -> None:
        self.requests[kind] += 1

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    def outcome(self, kind: str, count: int = 1) -> None:
        self.outcomes[kind] += count


def report(recorder: Recorder, **about: Any) -> dict[str, Any]:
    """The report as plain data (for --json), with `about` (targets, the day, the run) on top."""
    return {
        **about,
        "requests": dict(sorted(recorder.requests.items())),
        "latency": {kind: summary(values) for kind, values in sorted(recorder.latencies.items())},
        "errors": dict(sorted(recorder.errors.items())),
        "error_total": sum(recorder.errors.values()),
        "outcomes": dict(sorted(recorder.outcomes.items())),
    }


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:,.1f}"


def render(data: dict[str, Any]) -> list[str]:
    """The report as lines of text, goals' kinds first."""
    lines = [
        f"Targets: {', '.join(data.get('targets', []))}",
        f"Day: {data.get('day', {})}",
        f"Ran {data.get('ran_s', 0):.0f} s (load generator's CPU: {data.get('generator_cpu_s', 0):.0f} s); "
        "requests: " + ", ".join(f"{k} {v}" for k, v in data["requests"].items()),
        f"{'latency':<24}{'n':>8}{'p50 ms':>11}{'p99 ms':>11}{'max ms':>11}",
    ]
    latency = data["latency"]
    ordered = [k for k in GOAL_KINDS if k in latency] + [k for k in latency if k not in GOAL_KINDS]
    for kind in ordered:
        s = latency[kind]
        lines.append(
            f"{kind:<24}{s['n']:>8}{_ms(s['p50_ms']):>11}{_ms(s['p99_ms']):>11}{_ms(s['max_ms']):>11}"
        )
    errors = data["errors"]
    lines.append(
        f"Errors: {data['error_total']}"
        + (" (" + ", ".join(f"{k}: {v}" for k, v in errors.items()) + ")" if errors else "")
    )
    if data.get("outcomes"):
        lines.append("Outcomes: " + ", ".join(f"{k} {v}" for k, v in data["outcomes"].items()))
    return lines
