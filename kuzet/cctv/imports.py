"""Reading a camera list from CSV or GeoJSON into cameras and rejected rows. Pure: no framework, no database.

CSV: a header row, then one camera a row, comma-separated, UTF-8 (a byte-order mark is allowed). Columns:
`camera_id, lat, lon, mount_height_m, heading_deg, fov_deg, range_m, type, owner, retention_days` are
required; `status` (default active), `snapshot_url` and `stream_url` are optional. A row's number is the
line of the file it ends on, the header being line 1 (so, without line breaks inside quotes, the line a
spreadsheet shows it on).

GeoJSON: a FeatureCollection of Point features (coordinates [lon, lat]); the same names as properties
(`camera_id` may also be the feature's `id`). Row numbers count features from 1.

Each row is checked on its own, against the same rules as the API (`domain.check_camera`): a broken row is
rejected with every problem it has (row, field, reason) and nothing of it is kept; the other rows go on."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from kuzet.cctv.domain import BBox, Camera, CameraStatus, CameraType, check_camera
from kuzet.core.errors import FieldError
from kuzet.core.i18n import N_

NUMBERS: Final = ("lat", "lon", "mount_height_m", "heading_deg", "fov_deg", "range_m")
REQUIRED: Final = ("camera_id", *NUMBERS, "type", "owner", "retention_days")
OPTIONAL: Final = ("status", "snapshot_url", "stream_url")
MAX_ROWS: Final = 100_000
E = TypeVar("E", CameraType, CameraStatus)


class ImportFormat:
    CSV = "csv"
    GEOJSON = "geojson"


@dataclass(frozen=True)
class Rejected:
    """One problem of one rejected row (a row with three problems gives three of these)."""

    row: int
    camera_id: str | None
    field: str
    reason: str  # a message id, with `params`
    code: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Parsed:
    cameras: list[tuple[int, Camera]]  # row number, camera
    rejected: list[Rejected]
    rows: int


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, not GeoJSON, a missing column); nothing is imported."""


def _error(name: str, reason: str, code: str, **params: object) -> FieldError:
    return FieldError(name, reason, code, params=params)


def camera_from_fields(values: Mapping[str, Any], region: BBox) -> tuple[Camera | None, list[FieldError]]:
    """The camera a row describes, or the row's problems (every one of them)."""
    problems: list[FieldError] = []
    numbers: dict[str, float] = {}
    for name in NUMBERS:
        raw = values.get(name)
        try:
            if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
                raise TypeError
            numbers[name] = float(raw)
        except (TypeError, ValueError):
            problems.append(_error(name, N_("Must be a number."), "number"))
    text = {n: ("" if values.get(n) is None else str(values.get(n)).strip()) for n in ("camera_id", "owner")}
    for name in ("camera_id", "owner"):
        if not text[name]:
            problems.append(_error(name, N_("This field is required."), "missing"))
    retention: int | None = None
    try:
        raw_days = values.get("retention_days")
        if isinstance(raw_days, bool) or raw_days is None:
            raise TypeError
        retention = int(str(raw_days).strip())
    except (TypeError, ValueError):
        problems.append(_error("retention_days", N_("Must be a whole number."), "integer"))
    kind = _choice(values, "type", CameraType, None, problems)
    status = _choice(values, "status", CameraStatus, CameraStatus.ACTIVE, problems)
    urls = {n: (str(values[n]).strip() or None) if values.get(n) is not None else None for n in OPTIONAL[1:]}
    if problems or kind is None or status is None or retention is None:
        return None, problems
    camera = Camera(
        camera_id=text["camera_id"],
        type=kind,
        owner=text["owner"],
        retention_days=retention,
        status=status,
        snapshot_url=urls["snapshot_url"],
        stream_url=urls["stream_url"],
        **numbers,
    )
    problems = check_camera(camera, region)
    return (None, problems) if problems else (camera, [])


def _choice(
    values: Mapping[str, Any], name: str, kind: type[E], default: E | None, problems: list[FieldError]
) -> E | None:
    raw = values.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if default is None:
            problems.append(_error(name, N_("This field is required."), "missing"))
        return default
    try:
        return kind(str(raw).strip())
    except ValueError:
        problems.append(
            _error(name, N_("Must be one of: {choices}."), "enum", choices=", ".join(k.value for k in kind))
        )
        return None


def _rows_csv(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("the file is not UTF-8 text") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(f"the header lacks the column(s): {', '.join(missing)}")
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            # line_num is the line the record ended on (a quoted field may span lines)
            extra = record.pop(None, None)
            values: dict[str, Any] = dict(record)
            if extra:
                values["__extra__"] = extra
            rows.append((reader.line_num, values))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"more than {MAX_ROWS} rows")
    except csv.Error as exc:
        raise ImportFileError(f"line {reader.line_num}: {exc}") from exc
    return rows


def _rows_geojson(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportFileError("the file is not JSON") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportFileError("not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or len(features) > MAX_ROWS:
        raise ImportFileError(f"`features` must be a list of at most {MAX_ROWS}")
    rows = []
    for number, feature in enumerate(features, 1):
        values: dict[str, Any] = {}
        if isinstance(feature, dict):
            properties = feature.get("properties")
            values.update(properties if isinstance(properties, dict) else {})
            if "camera_id" not in values and isinstance(feature.get("id"), str | int):
                values["camera_id"] = feature["id"]
            geometry = feature.get("geometry")
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                isinstance(geometry, dict)
                and geometry.get("type") == "Point"
                and isinstance(coordinates, list)
                and len(coordinates) >= 2
            ):
                values["lon"], values["lat"] = coordinates[0], coordinates[1]
            else:
                values["__geometry__"] = True
        else:
            values["__geometry__"] = True
        rows.append((number, values))
    return rows


def parse(data: bytes, file_format: str, region: BBox) -> Parsed:
    """Read a camera file. Raises ImportFileError when the file as a whole is unreadable."""
    if file_format == ImportFormat.CSV:
        rows = _rows_csv(data)
    elif file_format == ImportFormat.GEOJSON:
        rows = _rows_geojson(data)
    else:
        raise ImportFileError(f"unknown format {file_format!r}: csv or geojson")
    cameras: list[tuple[int, Camera]] = []
    rejected: list[Rejected] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        camera, problems = camera_from_fields(values, region)
        if values.pop("__extra__", None):
            problems.append(
                _error("row", N_("The row has more values than the header has columns."), "extra")
            )
        if values.pop("__geometry__", None):
            placeless = [p for p in problems if p.field not in {"lat", "lon"}]  # said once, as the geometry
            problems = [_error("geometry", N_("Must be a GeoJSON Point [lon, lat]."), "geometry"), *placeless]
        if camera is not None and camera.camera_id in seen:
            problems.append(
                _error(
                    "camera_id",
                    N_("The same id is on row {row} already."),
                    "duplicate",
                    row=seen[camera.camera_id],
                )
            )
        raw_id = values.get("camera_id")
        camera_id = str(raw_id).strip() if raw_id is not None and str(raw_id).strip() else None
        if problems or camera is None:
            rejected += [
                Rejected(number, camera_id, p.field, p.reason, p.code, dict(p.params)) for p in problems
            ]
            continue
        seen[camera.camera_id] = number
        cameras.append((number, camera))
    return Parsed(cameras, rejected, len(rows))
