"""The load test's access file: who it acts as on the target and where its appeals happen.

`kuzet loadtest --prepare` writes it where the deployment's database is reachable (kuzet/operations/
loadtest_prepare.py); `kuzet loadtest --target …` reads it and needs nothing but HTTP. It holds passwords and
partner secrets, so it is written readable by its owner only, and should be deleted after the campaign (the
keys expire on their own after a week; `kuzet user lock` ends the accounts).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kuzet.demo.access import Account, PartnerAccess
from kuzet.demo.places import Place, Places


@dataclass(frozen=True)
class LoadAccess:
    """A call-taker and a dispatcher per district, a key per partner app, and the places of each district."""

    call_takers: dict[str, Account]
    dispatchers: dict[str, Account]
    partners: list[PartnerAccess]
    addresses: dict[str, list[Place]]
    road_points: dict[str, list[Place]]
    shares: dict[str, float]

    @property
    def districts(self) -> list[str]:
        return sorted(self.dispatchers)

    def places(self) -> Places:
        return Places(self.addresses, self.road_points, self.shares)

    def to_json(self) -> dict[str, Any]:
        return {
            "call_takers": {d: asdict(a) for d, a in self.call_takers.items()},
            "dispatchers": {d: asdict(a) for d, a in self.dispatchers.items()},
            "partners": [asdict(p) for p in self.partners],
            "addresses": {d: [asdict(p) for p in ps] for d, ps in self.addresses.items()},
            "road_points": {d: [asdict(p) for p in ps] for d, ps in self.road_points.items()},
            "shares": self.shares,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadAccess:
        def places(group: dict[str, list[dict[str, Any]]]) -> dict[str, list[Place]]:
            return {d: [Place(**p) for p in ps] for d, ps in group.items()}

        return cls(
            call_takers={d: Account(**a) for d, a in data["call_takers"].items()},
            dispatchers={d: Account(**a) for d, a in data["dispatchers"].items()},
            partners=[PartnerAccess(**p) for p in data["partners"]],
            addresses=places(data["addresses"]),
            road_points=places(data["road_points"]),
            shares={d: float(s) for d, s in data["shares"].items()},
        )


def save(access: LoadAccess, path: Path) -> None:
    """Write the file readable by its owner only (it holds passwords and secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(access.to_json(), file, ensure_ascii=False)
    path.chmod(0o600)


def load(path: Path) -> LoadAccess:
    return LoadAccess.from_json(json.loads(path.read_text(encoding="utf-8")))
