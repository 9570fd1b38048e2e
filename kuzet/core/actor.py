"""Who acts: a person with a role, a machine client, the CLI, or an anonymous caller."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    USER = "user"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"
    PARTNER = "partner"
    AGENCY = "agency"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    name: str
    role: str | None = None
    user_id: int | None = None
    district: str | None = None
    source: str | None = None
    session_id: int | None = None
    # An analyst's further districts, beside `district` (the first); operational roles have none.
    also_districts: tuple[str, ...] = ()

    @property
    def region_wide(self) -> bool:
        return self.district is None

    @property
    def districts(self) -> tuple[str, ...]:
        """Every district the actor is tied to, the first first; empty when region-wide."""
        return () if self.district is None else (self.district, *self.also_districts)

    def in_scope(self, district: str | None) -> bool:
        """A region-wide actor sees every district; a district actor sees only its own (or theirs)."""
        return self.region_wide or (district is not None and district in self.districts)

    def require_user_id(self) -> int:
        """The user behind a session-based actor (machine and system actors have none)."""
        if self.user_id is None:
            raise PermissionError(f"{self.kind} actor {self.name} is not a user")
        return self.user_id

    @classmethod
    def system(cls, name: str = "cli") -> Actor:
        return cls(kind=ActorKind.SYSTEM, name=name, role="system", source="local")

    @classmethod
    def anonymous(cls, source: str | None) -> Actor:
        return cls(kind=ActorKind.ANONYMOUS, name="anonymous", source=source)
