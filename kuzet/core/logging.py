"""JSON logs, one object a line, with personal data scrubbed from every message and field."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from kuzet.core.pii import PII_FIELD_NAMES, scrub

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
_DROPPED = frozenset({"color_message"})  # uvicorn's ANSI-coloured copy of the message


class PiiScrubber(logging.Filter):
    """Masks phone numbers and IINs in messages and drops fields whose names say they hold personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            # Query strings may carry what a client searched for (a caller's name, say): log the path only.
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        message = record.getMessage()
        record.msg, record.args = scrub(message), None
        for key in list(record.__dict__):
            if key in _STANDARD:
                continue
            if key in PII_FIELD_NAMES:
                record.__dict__[key] = "[masked]"
            elif isinstance(record.__dict__[key], str):
                record.__dict__[key] = scrub(record.__dict__[key])
        return True


class PlainFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:  # noqa: N802 - the logging API's name
        return scrub(super().formatException(ei))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _DROPPED:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", *, json_lines: bool = True, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(PiiScrubber())
    handler.setFormatter(
        JsonFormatter() if json_lines else PlainFormatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    # Alembic announces its context on every readiness probe; keep only its warnings.
    logging.getLogger("alembic").setLevel(logging.WARNING)
