"""The error every planning input raises when it is unusable: it names the field and the reason."""

from __future__ import annotations


class PlanningInputError(ValueError):
    """An input of a simulation or plan is unusable; `field` names it (e.g. `units[3].post_node`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
