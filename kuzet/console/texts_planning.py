"""The console's texts of the planning page (merged into kuzet.console.texts.TEXTS)."""

from __future__ import annotations

from kuzet.core.i18n import N_

PLANNING_TEXTS: dict[str, str] = {
    # Scenarios in the console (issue 21, point 4)
    "nav.planning": N_("Planning"),
    "planning.title": N_("Scenarios"),
    "planning.hint": N_(
        "Simulate today's posts, a proposal of kuzet plan, or a copy of today with posts moved on the map."
    ),
    "planning.today": N_("Today"),
    "planning.proposal": N_("Proposal"),
    "planning.manual": N_("Manual"),
    "planning.upload": N_("Plan file"),
    "planning.bad_file": N_("The file is not a plan (JSON with a list of posts)."),
    "planning.no_plan": N_("No plan yet"),
    "planning.units": N_("{n} units at {posts} posts"),
    "planning.unplaced": N_("On duty without a known position, left out: {names}"),
    "planning.evaluate": N_("Evaluate"),
    "planning.evaluating": N_("Simulating…"),
    "planning.show_map": N_("Slow map"),
    "planning.days": N_("Simulated days"),
    "planning.replications": N_("Runs"),
    "planning.figure": N_("Figure"),
    "planning.fig_median": N_("Median response"),
    "planning.fig_p90": N_("90th percentile of response"),
    "planning.fig_within": N_("Within target"),
    "planning.fig_utilisation": N_("Utilisation of units"),
    "planning.fig_waited": N_("Calls that waited for a unit"),
    "planning.fig_cross_border": N_("Dispatches across a district border (hypercube)"),
    "planning.fig_travel": N_("Mean travel (hypercube)"),
    "planning.fig_busiest": N_("Busiest unit's workload (hypercube)"),
    "planning.fig_call_takers": N_("Call-takers at the peak hour (Erlang C)"),
    "planning.interval_note": N_("Mean of the runs, with its 95 % interval in brackets."),
    "planning.move_hint": N_("Click a post, then a point on the map to move it there."),
    "planning.moving": N_("Click the map to move {name}"),
    "planning.cell_tooltip": N_("Median response {median}; {calls} calls per run"),
}
