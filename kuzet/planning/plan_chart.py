"""The planner's chart: % of calls within the target against the number of units, with 95 % intervals."""

from __future__ import annotations

from pathlib import Path

from kuzet.planning.planner import PlanOutcome


def draw_chart(outcome: PlanOutcome, path: Path, target_min: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = sorted(outcome.path, key=lambda s: s.units)
    units = [s.units for s in steps]
    within = [100.0 * s.figure("within_target.all").mean for s in steps]
    low = [100.0 * s.figure("within_target.all").low for s in steps]
    high = [100.0 * s.figure("within_target.all").high for s in steps]
    fig, ax = plt.subplots(figsize=(7, 4))
    try:
        ax.fill_between(units, low, high, alpha=0.25, label="95 % interval")
        ax.plot(units, within, marker="o", label="% within target")
        ax.axvline(outcome.chosen.units, color="grey", linestyle="--", label="chosen plan")
        ax.set_xlabel("units")
        ax.set_ylabel(f"% of calls on scene within {target_min:g} min")
        ax.set_title("Calls reached within the target against the number of units")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
