"""Every API error is RFC 9457 problem+json, in ru by default, kk or en on request."""

from __future__ import annotations

import httpx
import pytest

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.conftest import MakeUser
from tests.core.auth.helpers import logged_in


def test_validation_error_names_every_field(http: httpx.Client) -> None:
    response = http.post("/api/v1/auth/login", json={"username": "", "extra": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:kuzet:problem:validation-error"
    assert body["status"] == 422
    assert body["title"] == "Неверные данные"
    assert body["detail"] == "В запросе неверных полей: 3."
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["username"]["code"] == "string_too_short"
    assert by_field["username"]["reason"] == "Не короче 1 символов."
    assert by_field["password"]["reason"] == "Обязательное поле."
    assert by_field["extra"]["code"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("language", "title", "reason"),
    [
        ("kk", "Деректер қате", "Міндетті өріс."),
        ("en-GB,en;q=0.9", "Invalid input", "This field is required."),
        ("ru", "Неверные данные", "Обязательное поле."),
    ],
)
def test_messages_follow_accept_language(http: httpx.Client, language: str, title: str, reason: str) -> None:
    response = http.post("/api/v1/auth/login", json={"username": "x"}, headers={"Accept-Language": language})
    assert response.json()["title"] == title
    assert response.json()["errors"][0]["reason"] == reason
    assert response.headers["content-language"] == language[:2]


def test_malformed_json_is_a_problem(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


def test_unknown_route_is_a_problem(http: httpx.Client) -> None:
    response = http.get("/api/v1/nowhere", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:kuzet:problem:not-found",
        "title": "Not found",
        "status": 404,
        "detail": "The requested resource does not exist.",
        "instance": "/api/v1/nowhere",
    }


def test_wrong_method_is_a_problem(http: httpx.Client) -> None:
    response = http.delete("/api/v1/auth/login")
    assert response.status_code == 405
    assert response.json()["type"] == "urn:kuzet:problem:method-not-allowed"


def test_bad_path_parameter_names_the_parameter(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    response = http.get("/api/v1/users/abc", headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "user_id",
            "location": "path",
            "pointer": "/user_id",
            "reason": "Must be a whole number.",
            "code": "int_parsing",
        }
    ]
