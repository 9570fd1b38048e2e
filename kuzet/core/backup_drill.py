"""The record of the last restore drill (`kuzet backup drill`): a small JSON file in the data folder.

The drill (kuzet/operations/drill.py) writes it; `/readyz` shows it. It lives in core because readiness is
core and must not load a feature; the file is per host, like the data folder it sits in."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

DRILL_RECORD: Final = "backup-drill.json"  # under the data folder


def record_path(data_dir: Path) -> Path:
    return data_dir / DRILL_RECORD


def write_last_drill(data_dir: Path, record: dict[str, Any]) -> Path:
    """Replace the record at once (a reader sees the old one or the new one, never half of one)."""
    path = record_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def read_last_drill(data_dir: Path) -> dict[str, Any] | None:
    """The last drill's record: when it ran, whether it passed and which backup it restored; None if no
    drill has run on this host. An unreadable record reads as a failed drill, so that it is looked at."""
    try:
        raw = record_path(data_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return {"at": None, "ok": False, "backup": None, "error": f"unreadable: {type(exc).__name__}"}
    try:
        record = json.loads(raw)
    except ValueError:
        return {"at": None, "ok": False, "backup": None, "error": "unreadable: not JSON"}
    if not isinstance(record, dict):
        return {"at": None, "ok": False, "backup": None, "error": "unreadable: not an object"}
    return {"at": record.get("at"), "ok": record.get("ok") is True, "backup": record.get("backup")}
