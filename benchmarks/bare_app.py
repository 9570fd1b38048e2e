"""The baseline of the partner intake benchmark: a bare FastAPI endpoint that stores the body in PostgreSQL.

Same database server, same durability as Kuzet: one row per request, committed (synchronous commit, as the
server is configured) before the 201 is sent. No signature, no validation, no numbering, no audit.
"""

from __future__ import annotations

import os
import threading

import psycopg
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool

DATABASE = os.environ.get("BARE_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
_local = threading.local()
CREATE = "CREATE TABLE bare_appeals (id BIGSERIAL PRIMARY KEY, body TEXT)"
_INSERT = "INSERT INTO bare_appeals (body) VALUES (%s) RETURNING id"


def _connection() -> psycopg.Connection[tuple[int]]:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = psycopg.connect(DATABASE, autocommit=True)  # the benchmark has made the table
        _local.connection = connection
    return connection  # type: ignore[no-any-return]


def _insert(body: str) -> int:
    row = (
        _connection().execute("INSERT INTO bare_appeals (body) VALUES (%s) RETURNING id", (body,)).fetchone()
    )
    return int(row[0]) if row else 0


app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/insert", status_code=201)
async def insert(request: Request) -> dict[str, int]:
    body = (await request.body()).decode()
    return {"id": await run_in_threadpool(_insert, body)}
