"""The baseline of the partner intake benchmark: a bare FastAPI endpoint that does one SQLite insert."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from pathlib import Path

from fastapi import FastAPI, Request

DATABASE = os.environ.get("BARE_SQLITE", str(Path(tempfile.gettempdir()) / "kuzet-bench-bare.db"))
_local = threading.local()


def _connection() -> sqlite3.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(DATABASE, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=10000")
        connection.execute("CREATE TABLE IF NOT EXISTS appeals (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        _local.connection = connection
    return connection


app = FastAPI()


@app.post("/insert", status_code=201)
async def insert(request: Request) -> dict[str, int]:
    body = (await request.body()).decode()
    cursor = _connection().execute("INSERT INTO appeals (body) VALUES (?)", (body,))
    return {"id": int(cursor.lastrowid or 0)}
