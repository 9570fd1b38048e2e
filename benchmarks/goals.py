"""How every benchmark prints a figure beside its goal, in the same words (`make bench | grep MISSED`)."""

from __future__ import annotations


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def figure(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def at_most(label: str, value: float, goal: float, unit: str) -> str:
    """A line for a figure that must not exceed its goal (a time, a cost)."""
    return f"  {label}: {figure(value)} {unit}  (goal <= {goal:g} {unit}: {verdict(value <= goal)})"


def at_least(label: str, value: float, goal: float, unit: str) -> str:
    """A line for a figure that must reach its goal (a rate, a ratio)."""
    return f"  {label}: {figure(value)} {unit}  (goal >= {goal:g} {unit}: {verdict(value >= goal)})"
