"""Settings: every one is read from a `KUZET_<NAME>` environment variable (or a `.env` file)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "kuzet-default-secret-change-me-0000000000"  # noqa: S105 - the refused default
MIN_SECRET_LENGTH = 32
# Where partner media and camera pictures are kept in the data folder unless configured elsewhere.
MEDIA_FOLDER = "media"
CAMERA_IMAGES_FOLDER = "cctv-events"


class Mode(StrEnum):
    PRODUCTION = "production"
    DEMO = "demo"
    DEV = "dev"
    TEST = "test"


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the message names the setting to change."""


class IntervalSetting(BaseModel):
    """A custom analytics interval given in full (KUZET_ANALYTICS_INTERVALS)."""

    stamps: tuple[str, str]
    names: dict[str, str] = Field(default_factory=dict)
    target_minutes: float | None = Field(default=None, gt=0)


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
    # Behind a TLS terminator (nginx), the addresses of the proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed (comma-separated; "*" trusts anyone who can reach the port). Empty: the
    # headers are ignored and the client address is the connection's (login throttling, audit).
    forwarded_allow_ips: str = ""

    region_name: str = "Demo region"
    # The CAP <sender> of the public alerts the centre issues (an address-like id: no spaces or commas).
    cap_sender: str = Field(default="cou@police.kuzet.kz", pattern=r"^[^\s,<&]{1,200}$")
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
    # Roles that must enrol a TOTP second factor. Analysts are not in it by default: a read-only role, which a
    # region may still add (KUZET_TOTP_REQUIRED_ROLES='["admin","supervisor","analyst"]').
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
    # Agencies (101/103/104/112): how long the keys a rotation replaces stay valid.
    agency_key_grace_hours: float = Field(default=24.0, ge=0)
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
    # Building footprints (`kuzet import-osm`), which block the cameras' lines of sight.
    buildings_path: Path | None = None
    # Files a database row names, which every host must find: the photos and videos partners send with their
    # appeals, and the pictures cameras send with their events. By default in the data folder (media/ and
    # cctv-events/); with several hosts on one database, point both at storage they all mount (NFS, …).
    media_dir: Path | None = None
    camera_images_dir: Path | None = None
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
    # Camera alerts and health (kuzet/cctv): a plate on the watch list read with at least this confidence,
    # or a crowd of at least this many people counted with at least that one, becomes an appeal of this
    # category on channel `camera`; a camera silent for longer than this is offline; heartbeats also come
    # over MQTT on this topic filter (from the broker of `mqtt_url`). A picture sent with an event (JPEG) is
    # kept up to this size.
    cctv_plate_category: str = "car_theft"
    cctv_plate_min_confidence: float = Field(default=0.8, ge=0, le=1)
    cctv_crowd_category: str = "riot_mass_disorder"
    cctv_crowd_threshold: int = Field(default=50, ge=1)
    cctv_crowd_min_confidence: float = Field(default=0.6, ge=0, le=1)
    cctv_offline_seconds: float = Field(default=120.0, gt=0)
    cctv_heartbeat_topic: str = "kuzet/cameras/+/heartbeat"
    cctv_event_image_max_bytes: int = Field(default=512 * 1024, gt=0, le=8 * 1024 * 1024)
    # Camera events are kept this many days (kuzet/cctv/camera_events_retention.py): then an event that made
    # no appeal is deleted, and one that did keeps its link to the appeal without the plate and the picture.
    cctv_event_retention_days: int = Field(default=30, ge=1, le=3650)
    # Live view through the server (kuzet/cctv/proxy.py): how long the proxy waits for a camera to connect and
    # then for each read (a camera silent past it is stalled: 504), and the caps of one live stream (seconds,
    # bytes) and of one snapshot (bytes).
    cctv_proxy_connect_seconds: float = Field(default=3.0, gt=0, le=60)
    cctv_proxy_read_seconds: float = Field(default=5.0, gt=0, le=60)
    cctv_live_max_seconds: float = Field(default=300.0, gt=0, le=3600)
    cctv_live_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    cctv_snapshot_max_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    # Argon2 cost; lower it only for tests.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    # Analytics: custom intervals ({"name": ["from_stamp", "to_stamp"]} over the snapshot's stamps, an
    # assignment's as unit_*, or an imported incident's further stamps by name) and targets in minutes of
    # intervals other than the response (whose target is the one above). The snapshot under data_dir/analytics
    # is refreshed every so many seconds by the server (0: not in the background), and before a query when
    # older than the maximum age; each refresh re-reads what changed within the overlap before the last one;
    # deltas are compacted into the base after so many, and everything is read afresh every so many hours.
    # An interval is [from, to], or {"stamps": [from, to], "names": {"ru": …, "kk": …, "en": …},
    # "target_minutes": N} with its names in the reports and the API and a target of its own.
    analytics_intervals: dict[str, tuple[str, str] | IntervalSetting] = Field(default_factory=dict)
    analytics_target_minutes: dict[str, float] = Field(default_factory=dict)
    analytics_refresh_seconds: float = Field(default=30.0, ge=0)
    analytics_max_age_seconds: float = Field(default=60.0, ge=0)
    analytics_overlap_seconds: float = Field(default=300.0, ge=0)
    analytics_compact_after: int = Field(default=20, ge=1)
    analytics_rebuild_hours: float = Field(default=24.0, gt=0)
    # The calendar of analytics: the local time that dates, hours, weekdays, weeks and months are read in (an
    # IANA zone), and the first day of a week (monday: ISO weeks; sunday). A query may name another (`tz=`),
    # and a query over imported data of one source takes that source's own by default.
    analytics_timezone: str = "Asia/Almaty"
    analytics_week_start: str = Field(default="monday", pattern="^(monday|sunday)$")
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
    # The demo's agencies are served on loopback by the agency simulator, each on this base plus its service
    # number (18101 for fire_101, 18103 for ambulance_103, …).
    demo_agency_port_base: int = Field(default=18000, ge=1024, le=65000)
    # The demo's cameras are played by the camera simulator (`kuzet camera-sim`) on this loopback port.
    demo_camera_port: int = Field(default=18200, ge=1024, le=65000)

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
    def buildings_file(self) -> Path:
        return self.buildings_path or self.data_dir / "buildings.npz"

    @property
    def media_folder(self) -> Path:
        return self.media_dir or self.data_dir / MEDIA_FOLDER

    @property
    def camera_images_folder(self) -> Path:
        return self.camera_images_dir or self.data_dir / CAMERA_IMAGES_FOLDER

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
