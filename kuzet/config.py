"""Settings: every one is read from a `KUZET_<NAME>` environment variable (or a `.env` file)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "kuzet-default-secret-change-me-0000000000"  # noqa: S105 - the refused default
MIN_SECRET_LENGTH = 32


class Mode(StrEnum):
    PRODUCTION = "production"
    DEMO = "demo"
    DEV = "dev"
    TEST = "test"


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the message names the setting to change."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KUZET_", env_file=".env", extra="ignore")

    mode: Mode = Mode.PRODUCTION
    database_url: str = "sqlite:///./var/kuzet.db"
    secret_key: str = DEFAULT_SECRET_KEY
    data_dir: Path = Path("./var")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # With several workers, the server process replaces a worker whose process ends at once, and one that does
    # not answer its health check (sent every half second) within this many seconds; restarting them all
    # (SIGHUP), it waits this long for each new one to be ready. A new worker answers within a second of its
    # start and is ready within seconds (kuzet.core.workers).
    worker_healthcheck_seconds: int = Field(default=10, ge=1)
    log_level: str = "INFO"
    log_json: bool = True

    region_name: str = "Demo region"
    # Sessions: a shift is 12 hours; an unattended console is locked after the idle timeout.
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    # Login throttling (docs/security.md): failed logins are counted per user name and address, per address,
    # and per user name from addresses it has not logged in from within the known-address days; past a
    # count's free failures, each further one makes it wait, from the first delay doubling up to the maximum.
    # A count is forgotten after the window without failures. Nothing locks an account.
    login_throttle_pair_free: int = Field(default=5, ge=1)
    login_throttle_address_free: int = Field(default=20, ge=1)
    login_throttle_account_free: int = Field(default=10, ge=1)
    login_throttle_first_delay_seconds: float = Field(default=1.0, gt=0)
    login_throttle_max_delay_seconds: float = Field(default=900.0, gt=0)
    login_throttle_window_minutes: float = Field(default=60.0, gt=0)
    login_throttle_known_address_days: float = Field(default=30.0, gt=0)
    totp_required_roles: list[str] = Field(default_factory=lambda: ["admin", "supervisor"])
    totp_issuer: str = "Kuzet"
    # The region served, as a bounding box (min_lon, min_lat, max_lon, max_lat). The default is the demo
    # region (the Andorra OSM extract standing in for a Kazakh region's map).
    region_bbox: tuple[float, float, float, float] = (1.40, 42.42, 1.80, 42.66)
    # Duplicate suggestions: open incidents this close in place and time.
    duplicate_radius_m: float = Field(default=300.0, gt=0)
    duplicate_window_minutes: int = Field(default=30, ge=1)
    # Target response time (received → first on scene) per priority, in minutes.
    response_target_minutes: dict[int, float] = Field(
        default_factory=lambda: {1: 7.0, 2: 7.0, 3: 7.0, 4: 7.0}
    )
    # Overdue timers per priority, in minutes: waiting for a unit, and a dispatched unit not yet arrived.
    # A priority left out is never overdue (4: no dispatch needed).
    overdue_dispatch_minutes: dict[int, float] = Field(default_factory=lambda: {1: 1.0, 2: 3.0, 3: 10.0})
    overdue_arrival_minutes: dict[int, float] = Field(default_factory=lambda: {1: 7.0, 2: 10.0, 3: 20.0})
    # A partner appeal whose place lies in no district of the district map goes to this one.
    default_district: str = "central"
    # Partner gateway («Закон и порядок»).
    partner_key_grace_hours: float = Field(default=24.0, ge=0)
    partner_idempotency_hours: float = Field(default=24.0, gt=0)
    partner_media_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    partner_appeal_media_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # Live feed to the consoles: how often each worker looks for changes besides being notified; how long
    # changes are kept for consoles that reconnect.
    live_poll_seconds: float = Field(default=0.5, gt=0, le=10)
    live_retention_minutes: float = Field(default=60.0, gt=0)
    # Appeal intakes queued meanwhile are committed together, up to this many in one transaction.
    partner_intake_batch_max: int = Field(default=64, ge=1, le=1000)
    # The outbox relay: on in `kuzet serve`; how long a message is leased to one relay; first retry delay.
    outbox_relay: bool = True
    outbox_lease_seconds: float = Field(default=30.0, gt=0)
    outbox_backoff_seconds: float = Field(default=1.0, gt=0)
    # After this many failed attempts a message gives up (an administrator can retry it); delivered messages
    # are kept this many days.
    outbox_max_attempts: int = Field(default=100, ge=1)
    outbox_retention_days: int = Field(default=30, ge=1)
    # Roads (`kuzet import-osm`): the road graph and the gazetteer; by default in the data folder.
    graph_path: Path | None = None
    gazetteer_path: Path | None = None
    # Travel-time multipliers by local hour range ("07-10": 1.3 makes every road 30 % slower then); applied
    # at query time, without rebuilding the graph.
    travel_time_factors: dict[str, float] = Field(default_factory=dict)
    # Unit positions (AVL): a fix older than this is stale; fixes faster than this, or further in the future
    # than the tolerance, or older than the maximum age, are refused; a fix further than the snap distance
    # from every road is kept but not placed on the road graph.
    position_stale_seconds: float = Field(default=120.0, gt=0)
    # "On scene" from a unit whose fresh GPS fix is farther than this from the scene must be confirmed.
    arrival_max_distance_m: float = Field(default=300.0, gt=0)
    position_max_speed_kmh: float = Field(default=250.0, gt=0)
    position_future_tolerance_seconds: float = Field(default=30.0, ge=0)
    position_max_age_hours: float = Field(default=24.0, gt=0)
    snap_max_distance_m: float = Field(default=250.0, gt=0)
    position_batch_max: int = Field(default=5000, ge=1)
    # Foot patrols are ranked by the road distance at this walking speed.
    foot_speed_kmh: float = Field(default=5.0, gt=0)
    # MQTT telemetry: the broker (mqtt://host:port) and topic filter; empty turns the subscriber off.
    mqtt_url: str = ""
    mqtt_topic: str = "kuzet/units/+/position"
    # Argon2 cost; lower it only for tests.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    # Analytics: custom intervals ({"name": ["from_stamp", "to_stamp"]} over the snapshot's stamps, an
    # assignment's as unit_*, or an imported incident's further stamps by name) and targets in minutes of
    # intervals other than the response (whose target is the one above). The snapshot under data_dir/analytics
    # is refreshed every so many seconds by the server (0: not in the background), and before a query when
    # older than the maximum age; each refresh re-reads what changed within the overlap before the last one;
    # deltas are compacted into the base after so many, and everything is read afresh every so many hours.
    analytics_intervals: dict[str, tuple[str, str]] = Field(default_factory=dict)
    analytics_target_minutes: dict[str, float] = Field(default_factory=dict)
    analytics_refresh_seconds: float = Field(default=30.0, ge=0)
    analytics_max_age_seconds: float = Field(default=60.0, ge=0)
    analytics_overlap_seconds: float = Field(default=300.0, ge=0)
    analytics_compact_after: int = Field(default=20, ge=1)
    analytics_rebuild_hours: float = Field(default=24.0, gt=0)
    # Audit checkpoints: the server writes the audit chain's head, signed, to an append-only file outside the
    # database (and to the log) every so many seconds when it moved (0: not in the background); by default
    # data_dir/audit/checkpoints.jsonl.
    audit_checkpoint_seconds: float = Field(default=60.0, ge=0)
    audit_checkpoint_path: Path | None = None
    # Demo (`kuzet demo`, `kuzet simulate`): demo time runs this many times faster than real time (10: ten
    # demo minutes a real minute); the traffic generator with simulated units on or off, and the mean
    # appeals an hour it sends (following the hourly profile); closed incidents of one simulated past year
    # loaded at the first `kuzet demo` (0: none).
    demo_speedup: float = Field(default=10.0, gt=0, le=1000)
    demo_traffic: bool = True
    demo_appeals_per_hour: float = Field(default=23.0, gt=0, le=10_000)
    demo_history_incidents: int = Field(default=20_000, ge=0, le=1_000_000)

    @property
    def is_relaxed(self) -> bool:
        """Demo, dev and test modes may run with built-in secrets; production may not."""
        return self.mode in {Mode.DEMO, Mode.DEV, Mode.TEST}

    @property
    def roads_file(self) -> Path:
        return self.graph_path or self.data_dir / "roads.npz"

    @property
    def gazetteer_file(self) -> Path:
        return self.gazetteer_path or self.data_dir / "gazetteer.npz"

    @property
    def audit_checkpoint_file(self) -> Path:
        return self.audit_checkpoint_path or self.data_dir / "audit" / "checkpoints.jsonl"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_safe_to_serve(self) -> None:
        """Refuse to run a production server on a default or weak secret."""
        if self.is_relaxed:
            return
        if self.secret_key == DEFAULT_SECRET_KEY:
            raise ConfigError(
                "KUZET_SECRET_KEY is the built-in default. Set KUZET_SECRET_KEY to a random value of at "
                f"least {MIN_SECRET_LENGTH} characters (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'), or set KUZET_MODE=demo for a demonstration."
            )
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"KUZET_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters. Set KUZET_SECRET_KEY "
                "to a longer random value."
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
