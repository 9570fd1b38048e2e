"""Use cases of logging in, sessions and the second factor. Each makes one commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from kuzet.config import ConfigError, Settings
from kuzet.core.actor import Actor, ActorKind
from kuzet.core.audit.domain import Outcome
from kuzet.core.auth import throttling
from kuzet.core.auth.credentials import (
    Passwords,
    SecretBox,
    check_totp,
    new_session_token,
    new_totp_secret,
    token_digest,
    totp_uri,
)
from kuzet.core.auth.domain import (
    SessionEnd,
    SessionPolicy,
    ThrottlePolicy,
    User,
    second_factor_required,
)
from kuzet.core.auth.store import UserRepository
from kuzet.core.errors import AccountLocked, Conflict, FieldError, InvalidInput, KuzetError, Unauthenticated
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

# A session's "last seen" is written at most this often, so reads do not turn into writes.
TOUCH_EVERY = timedelta(seconds=30)

WRONG_CREDENTIALS = N_("Wrong user name or password.")


class SecondFactorRequired(KuzetError):
    status, slug = 401, "second-factor-required"
    title = N_("Second factor required")
    default_detail = N_("Enter the six-digit code from your authenticator app.")


@dataclass(frozen=True)
class AuthConfig:
    passwords: Passwords
    box: SecretBox
    throttle: ThrottlePolicy
    sessions: SessionPolicy
    totp_roles: frozenset[str]
    totp_issuer: str

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthConfig:
        return cls(
            passwords=Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib),
            box=SecretBox(settings.secret_key),
            throttle=throttle_policy(settings),
            sessions=SessionPolicy(
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_absolute_hours),
            ),
            totp_roles=frozenset(settings.totp_required_roles),
            totp_issuer=settings.totp_issuer,
        )


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    try:
        return ThrottlePolicy(
            pair_free=settings.login_throttle_pair_free,
            address_free=settings.login_throttle_address_free,
            account_free=settings.login_throttle_account_free,
            first_delay=timedelta(seconds=settings.login_throttle_first_delay_seconds),
            max_delay=timedelta(seconds=settings.login_throttle_max_delay_seconds),
            window=timedelta(minutes=settings.login_throttle_window_minutes),
            known_for=timedelta(days=settings.login_throttle_known_address_days),
        )
    except ValueError as exc:
        raise ConfigError(
            "KUZET_LOGIN_THROTTLE_* settings are inconsistent: KUZET_LOGIN_THROTTLE_ACCOUNT_FREE must be "
            "at least KUZET_LOGIN_THROTTLE_PAIR_FREE, and KUZET_LOGIN_THROTTLE_FIRST_DELAY_SECONDS <= "
            "KUZET_LOGIN_THROTTLE_MAX_DELAY_SECONDS <= KUZET_LOGIN_THROTTLE_WINDOW_MINUTES × 60 "
            f"({exc})"
        ) from exc


@dataclass(frozen=True)
class LoginResult:
    token: str
    session_id: int
    user: User
    second_factor_pending: bool
    expires_at: datetime


@dataclass(frozen=True)
class SessionInfo:
    actor: Actor
    second_factor_ok: bool


def actor_of(user: User, *, source: str | None, session_id: int | None = None) -> Actor:
    return Actor(
        kind=ActorKind.USER,
        name=user.username,
        role=user.role.value,
        user_id=user.id,
        district=user.district,
        source=source,
        session_id=session_id,
        also_districts=user.also_districts,
    )


def login(
    uow: UnitOfWork,
    cfg: AuthConfig,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    source: str | None,
    at: datetime,
) -> LoginResult:
    """Check the password (and the code, once enrolled), after the throttle: while one of the attempt's
    failure counts waits, the attempt is refused before any hash is computed. Failures are counted; nothing
    is locked and no session ends."""
    with uow:
        users = uow.repo(UserRepository)
        user = users.by_username(username, for_update=True)
        attempt = throttling.attempt_of(uow, cfg.throttle, username=username, user=user, source=source, at=at)
        anonymous = Actor.anonymous(source)
        if user is None or user.disabled:
            throttling.refuse_if_waiting(uow, cfg.throttle, attempt, who=anonymous, object_id=username, at=at)
            cfg.passwords.verify(None, password)
            reason = "unknown_user" if user is None else "disabled"
            _count_failure(uow, cfg, attempt, anonymous, username, reason=reason, at=at)
        who = actor_of(user, source=source)
        throttling.refuse_if_waiting(uow, cfg.throttle, attempt, who=who, object_id=user.id, at=at)
        password_hash, sealed_secret, last_step = users.credentials(user.id)
        password_ok = cfg.passwords.verify(password_hash, password)
        if not password_ok:
            _count_failure(uow, cfg, attempt, who, user.id, reason="password", at=at)
        if user.locked:
            # Locked by an administrator. Only someone who knows the password learns that.
            raise _refuse_login(
                uow, who, user.id, outcome=Outcome.DENIED, reason="locked", at=at, error=AccountLocked()
            )
        if user.totp_enrolled and sealed_secret:
            if not totp_code:
                raise _refuse_login(
                    uow,
                    who,
                    user.id,
                    outcome=Outcome.DENIED,
                    reason="second_factor_missing",
                    at=at,
                    error=SecondFactorRequired(),
                )
            check = check_totp(cfg.box.open(sealed_secret), totp_code, at=at, last_used_step=last_step)
            if not check.ok:
                _count_failure(uow, cfg, attempt, who, user.id, reason="second_factor", at=at)
            users.update(user.id, totp_last_step=check.step)
        pending = second_factor_required(user.role, cfg.totp_roles) and not user.totp_enrolled
        throttling.count_success(uow, cfg.throttle, attempt, at=at)
        token = new_session_token()
        session_id = users.add_session(
            token_digest=token_digest(token),
            user_id=user.id,
            created_at=at,
            last_seen_at=at,
            second_factor_ok=not pending,
            source=source,
        )
        uow.audit(
            who,
            "auth.login",
            object_type="user",
            object_id=user.id,
            detail={"session": session_id, "second_factor_pending": pending},
            at=at,
        )
        uow.commit()
    return LoginResult(token, session_id, user, pending, at + cfg.sessions.absolute)


def _refuse_login(
    uow: UnitOfWork,
    who: Actor,
    user: str | int,
    *,
    outcome: Outcome,
    reason: str,
    at: datetime,
    error: KuzetError,
) -> KuzetError:
    """Audit a refused login, commit that row, and hand back the error to raise."""
    uow.audit(
        who,
        "auth.login",
        object_type="user",
        object_id=user,
        outcome=outcome,
        detail={"reason": reason},
        at=at,
    )
    uow.commit()
    return error


def _count_failure(
    uow: UnitOfWork,
    cfg: AuthConfig,
    attempt: throttling.Attempt,
    who: Actor,
    user: str | int,
    *,
    reason: str,
    at: datetime,
) -> NoReturn:
    """Count a failed attempt and audit it in one transaction, commit, and refuse with the usual answer."""
    detail: dict[str, str | int] = {"reason": reason}
    wait = throttling.count_failure(uow, cfg.throttle, attempt, at=at)
    if wait:
        detail["throttled_for"] = wait
    uow.audit(
        who, "auth.login", object_type="user", object_id=user, outcome=Outcome.FAILED, detail=detail, at=at
    )
    uow.commit()
    raise Unauthenticated(WRONG_CREDENTIALS)


_ENDED_MESSAGES = {
    SessionEnd.IDLE: N_("The session ended after inactivity. Log in again."),
    SessionEnd.ABSOLUTE: N_("The session reached its maximum length. Log in again."),
    SessionEnd.REVOKED: N_("The session was closed. Log in again."),
}


def resolve_session(
    uow: UnitOfWork, cfg: AuthConfig, *, token: str, source: str | None, at: datetime
) -> SessionInfo:
    """Turn a bearer token into the acting user, or refuse it (unknown, ended, locked, disabled)."""
    with uow:
        users = uow.repo(UserRepository)
        row = users.session_by_digest(token_digest(token))
        if row is None:
            raise Unauthenticated(N_("The session is not valid. Log in again."))
        ended = cfg.sessions.ended(
            created_at=row.created_at, last_seen_at=row.last_seen_at, revoked_at=row.revoked_at, now=at
        )
        user = users.get(row.user_id)
        if ended is None and (user.locked or user.disabled):
            ended = SessionEnd.REVOKED
        if ended is not None:
            if row.revoked_at is None:
                users.update_session(row.id, revoked_at=at)
                uow.commit()
            raise Unauthenticated(_ENDED_MESSAGES[ended], extra={"session_end": ended.value})
        if at - row.last_seen_at >= TOUCH_EVERY:
            users.update_session(row.id, last_seen_at=at)
            uow.commit()
    return SessionInfo(actor_of(user, source=source, session_id=row.id), bool(row.second_factor_ok))


def session_open(uow: UnitOfWork, cfg: AuthConfig, *, session_id: int, at: datetime) -> bool:
    """Whether a session still holds, without counting this as activity (for long-lived streams)."""
    with uow:
        users = uow.repo(UserRepository)
        row = users.session_by_id(session_id)
        if row is None:
            return False
        ended = cfg.sessions.ended(
            created_at=row.created_at, last_seen_at=row.last_seen_at, revoked_at=row.revoked_at, now=at
        )
        user = users.get(row.user_id)
        return ended is None and not (user.locked or user.disabled)


def logout(uow: UnitOfWork, *, actor: Actor, at: datetime) -> None:
    with uow:
        if actor.session_id is not None:
            uow.repo(UserRepository).update_session(actor.session_id, revoked_at=at)
        uow.audit(actor, "auth.logout", object_type="session", object_id=actor.session_id, at=at)
        uow.commit()


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


def start_totp_enrolment(uow: UnitOfWork, cfg: AuthConfig, *, actor: Actor, at: datetime) -> Enrolment:
    """Issue a new TOTP secret; it protects logins only after it is confirmed with a code."""
    with uow:
        users = uow.repo(UserRepository)
        user = users.get(actor.require_user_id())
        if user.totp_enrolled:
            raise Conflict(N_("A second factor is already enrolled. An administrator can reset it."))
        secret = new_totp_secret()
        users.update(user.id, totp_secret=cfg.box.seal(secret), totp_confirmed=False, totp_last_step=None)
        uow.audit(actor, "auth.totp.enrol", object_type="user", object_id=user.id, at=at)
        uow.commit()
    return Enrolment(secret, totp_uri(secret, username=user.username, issuer=cfg.totp_issuer))


def confirm_totp(uow: UnitOfWork, cfg: AuthConfig, *, actor: Actor, code: str, at: datetime) -> User:
    with uow:
        users = uow.repo(UserRepository)
        user = users.get(actor.require_user_id())
        _, sealed, last_step = users.credentials(user.id)
        if user.totp_enrolled:
            raise Conflict(N_("A second factor is already enrolled. An administrator can reset it."))
        if not sealed:
            raise Conflict(N_("Start the enrolment first."))
        check = check_totp(cfg.box.open(sealed), code, at=at, last_used_step=last_step)
        if not check.ok:
            uow.audit(
                actor,
                "auth.totp.confirm",
                object_type="user",
                object_id=user.id,
                outcome=Outcome.FAILED,
                at=at,
            )
            uow.commit()
            raise InvalidInput([FieldError("code", N_("The code is wrong or has expired."), "totp_invalid")])
        user = users.update(user.id, totp_confirmed=True, totp_last_step=check.step)
        if actor.session_id is not None:
            users.update_session(actor.session_id, second_factor_ok=True)
        uow.audit(actor, "auth.totp.confirm", object_type="user", object_id=user.id, at=at)
        uow.commit()
    return user
