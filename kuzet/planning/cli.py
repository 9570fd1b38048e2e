"""`kuzet plan`: the cheapest number of patrol cars per district (and shift), and their posts, that keeps
the median and the 90th percentile of response within their targets, learned from a period's history.

Writes to --out: `plan.json` (a plan file, `kuzet.planning.scenario`'s format, that `kuzet demo --plan`
loads), `plan_units.csv` (each plan the search kept: units against % within target, median and p90 with
their 95 % intervals) and `plan_units.png` (% within target against the number of units). With
--evaluate FILE it simulates a given plan file instead of searching. Either way it prints the quick answers
of queueing theory beside the simulation (`kuzet.planning.quick`): the hypercube's unit workloads, share of
dispatches across a district border and mean travel by district, and the call-takers Erlang C asks for. The
plan's call-takers are that peak-hour staffing unless --call-takers says otherwise, and the search simulates
them. Stores nothing in the database.
Unusable input stops it with one line naming the field, and exit code 2.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kuzet.config import get_settings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kuzet.geo.graph import RoadGraph
    from kuzet.planning.history import History
    from kuzet.planning.planner import PlanOutcome, PlanSearch, Step
    from kuzet.planning.quick import CallTakersAnswer, UnitsAnswer
    from kuzet.planning.results import Estimate
    from kuzet.planning.scenario import Scenario

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)
OPTIONS = {"units_max": "--units-max", "target_median": "--target-median", "target_p90": "--target-p90",
           "period": "--period", "replications": "--replications", "days": "--days", "profile": "--profile",
           "handle_time": "--handle-time", "call_takers": "--call-takers"}  # fmt: skip


def plan_command(
    target_median: Annotated[float, typer.Option("--target-median", help="Median response, minutes")] = 7.0,
    target_p90: Annotated[
        float, typer.Option("--target-p90", help="90th percentile of response, minutes")
    ] = 12.0,
    units_max: Annotated[int, typer.Option("--units-max", help="The most patrol cars a plan may have")] = 60,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", help="History received in: 2025, 2025-06 or a..b (default: the last 365 days)"
        ),
    ] = None,
    replications: Annotated[int, typer.Option("--replications", help="Simulation runs per plan (>= 2)")] = 3,
    days: Annotated[int, typer.Option("--days", help="Simulated days per run")] = 14,
    policy: Annotated[
        str, typer.Option("--policy", help="recommender, straight_line, district_only or preemption")
    ] = "recommender",
    shift: Annotated[
        list[str] | None,
        typer.Option("--shift", help="Plan each district per shift, e.g. --shift 08-20 --shift 20-08"),
    ] = None,
    evaluate: Annotated[
        Path | None, typer.Option("--evaluate", help="Simulate this plan file instead of searching")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the plan, its table and chart")] = Path(
        "plan"
    ),
    imported: Annotated[
        bool, typer.Option("--imported", help="Learn from CAD imports too (kuzet import-cad), not only live")
    ] = False,
    profile_file: Annotated[
        Path | None,
        typer.Option("--profile", help="Arrivals per hour of the week from this JSON or CSV file"),
    ] = None,
    handle_time: Annotated[
        float | None,
        typer.Option("--handle-time", help="A call-taker's handling time, s (default: the history's median)"),
    ] = None,
    call_takers: Annotated[
        int | None,
        typer.Option("--call-takers", help="Call-takers to simulate (default: Erlang C's peak-hour need)"),
    ] = None,
) -> None:
    """Search the cheapest plan of patrol cars and posts that meets the response targets."""
    from kuzet.planning.errors import PlanningInputError
    from kuzet.planning.planner import PlanSearch, Targets
    from kuzet.planning.profile import ArrivalProfile
    from kuzet.planning.quick import call_takers_answer
    from kuzet.planning.scenario import Policy, read_plan

    try:
        targets = Targets(target_median, target_p90)
        if units_max < 1:
            raise PlanningInputError("units_max", f"must be a whole number >= 1, not {units_max}")
        if replications < 2:
            raise PlanningInputError(
                "replications", f"must be >= 2 for a confidence interval, not {replications}"
            )
        if days < 1:
            raise PlanningInputError("days", f"must be >= 1, not {days}")
        try:
            chosen_policy = Policy(policy)
        except ValueError:
            raise PlanningInputError("policy", f"{policy!r} is not one of {', '.join(Policy)}") from None
        if call_takers is not None and call_takers < 0:
            raise PlanningInputError("call_takers", f"must be a whole number >= 0, not {call_takers}")
        history, graph, start = _inputs(period, imported=imported)
        profile = ArrivalProfile.read(profile_file) if profile_file is not None else history.profile()
        search = PlanSearch(
            history, graph, targets, shifts=shift or (), policy=chosen_policy, profile=profile
        )
        takers = call_takers_answer(profile, search.handling_seconds(), handle_time_s=handle_time)
        search.call_takers = takers.peak if call_takers is None else call_takers
        seeds = range(replications)
        if evaluate is not None:
            scenario = read_plan(
                evaluate, node_count=graph.node_count, policy=chosen_policy,
                targets_min=dict.fromkeys((1, 2, 3, 4), target_median), call_takers=search.call_takers,
            )  # fmt: skip
            result = search.evaluate(scenario, start=start, hours=24 * days, seeds=seeds)
            out.print(
                f"Plan {evaluate}: {len(scenario.units)} units over {days} simulated days × {replications}."
            )
            _figures(result)
            _quick(search, scenario, takers, history)
            return
        out.print(
            f"History: {len(history.rows):,} incidents; {len(search.groups)} groups "
            f"({', '.join(g.label for g in search.groups)}); {replications} runs of {days} days per plan; "
            f"{search.call_takers} call-takers."
        )
        outcome = search.search(
            units_max=units_max, start=start, hours=24 * days, seeds=seeds, progress=_progress
        )
        _report(search, outcome)
        _quick(search, search.scenario(search.plan(outcome.chosen.counts)), takers, history)
    except PlanningInputError as exc:
        raise _fail(f"{OPTIONS.get(exc.field, exc.field)}: {exc.reason}") from None
    _write(search, outcome, out_dir)


def _figures(result: Mapping[str, Estimate]) -> None:
    """The simulation's figures with their intervals: overall, then per priority and per district."""
    for name, e in result.items():
        if name.startswith("utilisation.") and name != "utilisation.mean":
            continue  # one line per unit would drown the rest; the hypercube's workloads follow
        out.print(f"  {name}: {e.mean:.3f} (95 % CI {e.low:.3f}–{e.high:.3f})")


def _quick(search: PlanSearch, scenario: Scenario, takers: CallTakersAnswer, history: History) -> None:
    from kuzet.planning.errors import PlanningInputError
    from kuzet.planning.quick import units_answer

    try:
        units = units_answer(
            scenario, search.graph, search.demand, search.profile, service_time_s=history.busy_seconds()
        )
    except PlanningInputError as exc:  # the simulation's figures above stand; the quick check cannot be made
        out.print(f"Queueing check, hypercube: not made ({exc.field}: {exc.reason}).")
    else:
        _units_lines(units)
    _call_takers_line(scenario, takers)


def _units_lines(units: UnitsAnswer) -> None:
    loads = sorted(units.workloads.items(), key=lambda item: item[1])
    out.print(
        f"Queueing check, hypercube ({units.method}, {units.atoms} atoms, {units.calls_per_hour:.2f} calls "
        f"an hour needing a unit, {units.service_time_s / 60:.1f} min each):"
    )
    out.print(
        f"  workloads: busiest {loads[-1][0]} {loads[-1][1]:.1%}, quietest {loads[0][0]} {loads[0][1]:.1%}, "
        f"mean {sum(units.workloads.values()) / len(loads):.1%}; "
        f"every unit busy {units.probability_all_busy:.1%}"
    )
    districts = ", ".join(f"{name or '-'} {s / 60:.1f}" for name, s in units.travel_by_district_s.items())
    out.print(
        f"  across a district border: {units.cross_border:.1%} of dispatches; mean travel "
        f"{units.mean_travel_s / 60:.1f} min ({districts})"
    )


def _call_takers_line(scenario: Scenario, takers: CallTakersAnswer) -> None:
    peak = max(takers.table, key=lambda row: row.call_takers)
    out.print(
        f"Call-takers, Erlang C ({takers.target.answered_share:.0%} answered within "
        f"{takers.target.within_s:.0f} s, {takers.handle_time_s:.0f} s a call): {takers.peak} at the peak "
        f"hour of the week ({_weekday_hour(peak.hour_of_week)}, {peak.arrivals_per_hour:.1f} calls an hour); "
        f"simulated with {scenario.call_takers}."
    )


def _weekday_hour(hour_of_week: int) -> str:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return f"{days[hour_of_week // 24]} {hour_of_week % 24:02d}:00"


def _fail(message: str) -> typer.Exit:
    err.print(f"error: {message}")
    return typer.Exit(2)


def _inputs(period: str | None, *, imported: bool = False) -> tuple[History, RoadGraph, datetime]:
    from datetime import UTC, timedelta

    from kuzet.cctv.placement import PlacementError
    from kuzet.cctv.placement_incidents import Period, parse_period
    from kuzet.core.clock import to_local
    from kuzet.core.db import make_engine
    from kuzet.geo.graph import GraphError, RoadGraph
    from kuzet.planning.errors import PlanningInputError
    from kuzet.planning.history import History, read_live

    settings = get_settings()
    try:
        if period is None:
            today = to_local(datetime.now(UTC)).date()
            chosen = Period(today - timedelta(days=364), today)
        else:
            chosen = parse_period(period)
    except PlacementError as exc:
        raise PlanningInputError("period", str(exc)) from None
    try:
        graph = RoadGraph.load(settings.roads_file)
    except GraphError as exc:
        raise PlanningInputError("roads", f"{exc} (import a map with kuzet import-osm)") from None
    first, end = chosen.utc_bounds()
    engine = make_engine(settings.database_url)
    try:
        try:
            live = read_live(engine, since=first, imported=imported)
        except PlanningInputError:
            live = None
    finally:
        engine.dispose()
    rows = [r for r in (live.rows if live else []) if r["received_at"] < end]
    if not rows:
        raise PlanningInputError("history", f"is empty: no incident received in {chosen}")
    return History.from_rows(rows), graph, min(r["received_at"] for r in rows)


def _progress(step: Step) -> None:
    within = step.figure("within_target.all")
    median = step.figure("response.all.median_s")
    out.print(
        f"  {step.units:3d} units {list(step.counts)}: {within.mean:.1%} within target, "
        f"median {median.mean / 60:.1f} min"
    )


def _report(search: PlanSearch, outcome: PlanOutcome) -> None:
    step = outcome.chosen
    verdict = (
        "meets the targets" if outcome.met else "no plan under --units-max meets the targets; best found"
    )
    out.print(f"Plan: {step.units} patrol cars, {verdict}.")
    for g, group in enumerate(outcome.groups):
        out.print(f"  {group.label}: {step.counts[g]} at nodes {outcome.posts[g]}")
    for name, label, scale in (
        ("response.all.median_s", "median response, min", 1 / 60),
        ("response.all.p90_s", "p90 response, min", 1 / 60),
        ("within_target.all", "within target, %", 100.0),
        ("utilisation.mean", "utilisation, %", 100.0),
    ):
        e = step.figure(name)
        out.print(f"  {label}: {e.mean * scale:.2f} (95 % CI {e.low * scale:.2f}–{e.high * scale:.2f})")


def _write(search: PlanSearch, outcome: PlanOutcome, out_dir: Path) -> None:
    from kuzet.planning.plan_chart import draw_chart

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        plan = search.plan(outcome.chosen.counts)
        plan["targets"] = {"median_min": search.targets.median_min, "p90_min": search.targets.p90_min}
        plan["meets_targets"] = outcome.met
        (out_dir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
        with (out_dir / "plan_units.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["units", "counts", "within_target", "within_low", "within_high",
                             "median_min", "median_low", "median_high", "p90_min", "p90_low", "p90_high",
                             "meets"])  # fmt: skip
            for step in outcome.path:
                w, m, p = (
                    step.figure(n)
                    for n in ("within_target.all", "response.all.median_s", "response.all.p90_s")
                )
                writer.writerow([step.units, " ".join(map(str, step.counts)),
                                 *(f"{v:.4f}" for v in (w.mean, w.low, w.high)),
                                 *(f"{v / 60:.3f}" for v in (m.mean, m.low, m.high, p.mean, p.low, p.high)),
                                 step.meets(search.targets)])  # fmt: skip
        draw_chart(outcome, out_dir / "plan_units.png", search.targets.median_min)
    except OSError as exc:
        raise _fail(f"--out: cannot write to {out_dir}: {exc.strerror or exc}") from None
    out.print(
        f"Wrote {out_dir / 'plan.json'}, {out_dir / 'plan_units.csv'} and {out_dir / 'plan_units.png'}."
    )
