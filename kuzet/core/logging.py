"""JSON logs, one object a line, with personal data scrubbed from every message and field."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, TextIO

from kuzet.core.pii import PII_FIELD_NAMES, scrub

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
_DROPPED = frozenset({"color_message"})  # uvicorn's ANSI-coloured copy of the message


class PiiScrubber(logging.Filter):
    """Masks phone numbers and IINs in messages and drops fields whose names say they hold personal data.

    The access log writes a request's path percent-encoded (`/api/v1/x/%2B77011234567`): it is masked after
    decoding (see `scrub`)."""

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
            "process": record.process,  # which worker, when `kuzet serve` runs several
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _DROPPED:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO", *, json_lines: bool = True) -> dict[str, Any]:
    """Kuzet's logging as a `logging.config.dictConfig` dictionary of plain data.

    `kuzet serve` hands it to uvicorn, which applies it in the server process and again in every worker
    process it starts (a worker is a new interpreter and inherits no logging set-up): one handler on stderr,
    JSON lines or plain text, personal data scrubbed; uvicorn's own loggers, the access log among them, pass
    their records up to it."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if json_lines
        else {"()": f"{__name__}.PlainFormatter", "fmt": "%(levelname)s %(name)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"pii": {"()": f"{__name__}.PiiScrubber"}},
        "formatters": {"kuzet": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["pii"],
                "formatter": "kuzet",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.access", "uvicorn.error")
            },
            # Alembic announces its context on every readiness probe; keep only its warnings.
            "alembic": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO", *, json_lines: bool = True, stream: TextIO | None = None) -> None:
    config = logging_config(level, json_lines=json_lines)
    if stream is not None:
        config["handlers"]["stderr"]["stream"] = stream
    logging.config.dictConfig(config)
