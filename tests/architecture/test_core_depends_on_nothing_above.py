"""`kuzet/core/` is the ground floor: importing any of its modules loads no feature package.

A fresh interpreter imports the core modules one by one and notes which feature modules each one brought in.
Only `kuzet.core.*`, `kuzet.config` and the package itself may appear; the composition root
(`kuzet.container`, `kuzet.schema`, `kuzet.app`, `kuzet.cli`) sits above core and wires the features."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import kuzet

ALLOWED = ("kuzet", "kuzet.config", "kuzet.core")

PROBE = """
import importlib, json, sys
allowed = tuple(json.loads(sys.argv[1]))
brought = {}
for name in json.loads(sys.argv[2]):
    importlib.import_module(name)
    for loaded in list(sys.modules):
        top = loaded.split(".")
        if top[0] != "kuzet" or loaded in allowed or loaded.startswith(tuple(a + "." for a in allowed[2:])):
            continue
        brought.setdefault(loaded, name)
print(json.dumps(brought))
"""


def core_modules() -> list[str]:
    core = Path(kuzet.__file__).parent / "core"
    return sorted(
        ["kuzet.core"]
        + [
            info.name
            for info in pkgutil.walk_packages([str(core)], prefix="kuzet.core.")
            if "tests" not in info.name
        ]
    )


def features_loaded_by(modules: list[str]) -> dict[str, str]:
    """Each non-core kuzet module loaded, with the core module whose import first brought it in."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(ALLOWED), json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: dict[str, str] = json.loads(done.stdout)
    return found


def test_no_core_module_loads_a_feature() -> None:
    modules = core_modules()
    assert "kuzet.core.deps" in modules and "kuzet.core.audit.service" in modules  # the walk found them
    found = features_loaded_by(modules)
    assert not found, "\n".join(f"{core} loads {feature}" for feature, core in sorted(found.items()))


def test_the_probe_sees_a_feature_when_one_is_loaded() -> None:
    """The check can fail: importing the composition root brings the features in."""
    found = features_loaded_by(["kuzet.core.errors", "kuzet.container"])
    assert found.get("kuzet.geo.runtime") == "kuzet.container"
    assert "kuzet.core.errors" not in found.values()
