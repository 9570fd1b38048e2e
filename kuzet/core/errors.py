"""Domain errors. Framework-free; `core/problems.py` maps them to RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, ClassVar

from kuzet.core.i18n import N_, Term


@dataclass(frozen=True)
class FieldError:
    """One invalid field: where it is, why it is refused (a message id), and a stable code."""

    field: str
    reason: str
    code: str
    location: str = "body"
    params: Mapping[str, Any] = dc_field(default_factory=dict)


class KuzetError(Exception):
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = N_("Internal error")
    default_detail: ClassVar[str] = N_("The server could not complete the request.")

    def __init__(
        self,
        detail: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.detail = detail or self.default_detail
        self.params = params
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(self.detail.format(**params) if params else self.detail)


class NotFound(KuzetError):
    status, slug = 404, "not-found"
    title = N_("Not found")
    default_detail = N_("The requested resource does not exist.")


class Conflict(KuzetError):
    status, slug = 409, "conflict"
    title = N_("Conflict")
    default_detail = N_("The request conflicts with the current state.")


class IllegalStatusChange(Conflict):
    """A state machine refused a move; the problem names the current and the requested status."""

    title = N_("Illegal status change")

    def __init__(self, current: str, requested: str, names: Mapping[str, str] | None = None) -> None:
        """`names` maps a status code to its message id, so the detail names statuses in the operator's
        language; the codes stay in `current_status` and `requested_status` for programs."""
        names = names or {}
        super().__init__(
            current=Term(names.get(current, current)),
            requested=Term(names.get(requested, requested)),
            extra={"current_status": current, "requested_status": requested},
        )


class Unauthenticated(KuzetError):
    status, slug = 401, "unauthenticated"
    title = N_("Authentication required")
    default_detail = N_("Log in to continue.")


class Forbidden(KuzetError):
    status, slug = 403, "forbidden"
    title = N_("Access denied")
    default_detail = N_("Your role does not allow this action.")


class AccountLocked(KuzetError):
    status, slug = 423, "account-locked"
    title = N_("Account locked")
    default_detail = N_("The account is locked. Ask an administrator to unlock it.")


class InvalidInput(KuzetError):
    status, slug = 422, "validation-error"
    title = N_("Invalid input")
    default_detail = N_("The request has {count} invalid field(s).")

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__(count=len(self.errors))


class TooManyRequests(KuzetError):
    status, slug = 429, "too-many-requests"
    title = N_("Too many requests")
    default_detail = N_("Too many requests. Try again in {retry_after} s.")


class PayloadTooLarge(KuzetError):
    status, slug = 413, "payload-too-large"
    title = N_("Request too large")
    default_detail = N_("The request body is larger than {limit} bytes.")


class Unavailable(KuzetError):
    """Something the request needs is not set up on this server (a road map, say); the detail says what."""

    status, slug = 503, "unavailable"
    title = N_("Not available")
    default_detail = N_("This service is not available now.")


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached (restarting, failing over) or had no free connection in time. Nothing
    of the request was committed that its caller was told of; the same request may be sent again."""

    slug = "database-unavailable"
    title = N_("Database unavailable")
    default_detail = N_("The database cannot be reached at the moment. Try again in {retry_after} s.")
