"""One simulated person at the ЦОУ: an account, a session, and the HTTP calls they make to the server.

A refused call (4xx) raises Refused with the status and the problem's title, so the simulation can log it and
skip what a person in the console did first; an expired session logs in again once. Connection errors are
left to the caller, which waits and tries again (the server may be restarting).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from kuzet.demo.access import Account

log = logging.getLogger(__name__)


class Refused(Exception):
    """The server said no (4xx), for example because a person in the console acted first."""

    def __init__(
        self, status: int, method: str, path: str, detail: str, fields: list[str] | None = None
    ) -> None:
        self.status = status
        self.fields = fields or []  # the fields a 422 names, such as "fixes[3].lat"
        super().__init__(f"{method} {path}: {status} {detail}")


def refusal(response: httpx.Response, method: str, path: str) -> Refused:
    """The problem+json answer as a Refused, with the fields it names."""
    try:
        body = response.json()
    except ValueError:
        return Refused(response.status_code, method, path, response.text[:200])
    if not isinstance(body, dict):
        return Refused(response.status_code, method, path, str(body)[:300])
    fields = [str(e.get("field")) for e in body.get("errors") or [] if isinstance(e, dict)]
    detail = str(body.get("detail") or body.get("title") or body)[:300]
    return Refused(response.status_code, method, path, detail, fields)


class Desk:
    def __init__(self, http: httpx.Client, account: Account) -> None:
        self.http = http
        self.account = account
        self._token: str | None = None

    @property
    def district(self) -> str:
        return self.account.district

    def login(self) -> None:
        body = {"username": self.account.username, "password": self.account.password}
        response = self.http.post("/api/v1/auth/login", json=body)
        if response.status_code != 200:
            raise refusal(response, "POST", "/api/v1/auth/login")
        self._token = str(response.json()["token"])

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Make the call and return its JSON; a 401 logs in again and retries once."""
        for attempt in (1, 2):
            if self._token is None:
                self.login()
            headers = {"Authorization": f"Bearer {self._token}", "Accept-Language": "ru"}
            response = self.http.request(method, path, json=body, params=params, headers=headers)
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            if response.status_code >= 400:
                raise refusal(response, method, path)
            return response.json() if response.content else None
        raise AssertionError("unreachable")

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", path, body)
