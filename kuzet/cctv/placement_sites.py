"""Candidate sites for new cameras, and the camera options each site offers.

Sites come from one of two sources:
- the road graph's intersections: nodes where three or more distinct roads meet (undirected degree >= 3),
  inside the region; nodes closer than `min_spacing_m` to an already kept one are merged into it (a dual
  carriageway's junction is several nodes a few metres apart, one pole in practice);
- a CSV of the poles the department may use, one a row: `lat,lon,cost` and optionally `height_m`,
  `heading_deg`, `fov_deg`, `range_m`, `name`. Every row is checked; any bad row refuses the whole file,
  each problem named by its line and column.

Camera options (`Views`): what can be mounted at a site, at most one of which is chosen. The default is
four fixed cameras' headings (0, 90, 180 and 270 degrees, field of view 90 degrees, useful range 80 m): at a
crossing a fixed camera looks down one street, and a street camera's useful range for recognising a person
or a plate is some tens of metres. `Views(dome=True)` offers one 360-degree dome instead. A pole whose row
gives a heading offers that one view only.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from kuzet.cctv.placement import PlacementError

F64 = npt.NDArray[np.float64]
Bbox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

DEFAULT_RANGE_M: Final = 80.0
DEFAULT_FOV_DEG: Final = 90.0
DEFAULT_HEIGHT_M: Final = 6.0
DEFAULT_SPACING_M: Final = 15.0
MAX_REPORTED_PROBLEMS: Final = 20
_COLUMNS: Final = ("lat", "lon", "cost", "height_m", "heading_deg", "fov_deg", "range_m", "name")


@dataclass(frozen=True)
class Views:
    """Which camera views each site offers: `headings` fixed cameras of `fov_deg`, or one dome."""

    headings: int = 4
    fov_deg: float = DEFAULT_FOV_DEG
    range_m: float = DEFAULT_RANGE_M
    dome: bool = False

    def __post_init__(self) -> None:
        if not self.dome and not 1 <= self.headings <= 36:
            raise PlacementError("views", f"the number of headings must be 1 to 36, not {self.headings}")
        if not 0 < self.fov_deg <= 360:
            raise PlacementError(
                "views", f"the field of view must be above 0 and at most 360, not {self.fov_deg}"
            )
        if not 0 < self.range_m <= 2000:
            raise PlacementError("views", f"the range must be above 0 and at most 2000 m, not {self.range_m}")

    def options(self) -> tuple[CameraOption, ...]:
        if self.dome:
            return (CameraOption(0.0, 360.0, self.range_m),)
        step = 360.0 / self.headings
        return tuple(CameraOption(i * step, self.fov_deg, self.range_m) for i in range(self.headings))


def parse_views(text: str, range_m: float = DEFAULT_RANGE_M) -> Views:
    """`dome`, or `NxFOV`: N fixed headings evenly round of FOV degrees each (`4x90`)."""
    if text.strip().lower() == "dome":
        return Views(dome=True, range_m=range_m)
    try:
        headings, fov = text.lower().split("x", 1)
        return Views(headings=int(headings), fov_deg=float(fov), range_m=range_m)
    except ValueError:
        raise PlacementError("views", f"{text!r} is neither NxFOV (such as 4x90) nor dome") from None


@dataclass(frozen=True)
class CameraOption:
    heading_deg: float
    fov_deg: float
    range_m: float


@dataclass(frozen=True)
class Site:
    lat: float
    lon: float
    cost: float
    options: tuple[CameraOption, ...]
    height_m: float = DEFAULT_HEIGHT_M
    name: str = ""


def in_region(lat: float, lon: float, region: Bbox) -> bool:
    min_lon, min_lat, max_lon, max_lat = region
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def intersection_sites(
    lat: F64,
    lon: F64,
    tail: npt.NDArray[np.int32],
    head: npt.NDArray[np.int32],
    *,
    region: Bbox,
    views: Views,
    min_spacing_m: float = DEFAULT_SPACING_M,
) -> list[Site]:
    """The road graph's intersections in the region, nearby ones merged, each with the views at cost 1."""
    a, b = np.minimum(tail, head), np.maximum(tail, head)
    pairs = np.unique(np.stack([a[a != b], b[a != b]]), axis=1)
    degree = np.bincount(pairs.ravel(), minlength=len(lat))
    nodes = np.flatnonzero(degree >= 3)
    min_lon, min_lat, max_lon, max_lat = region
    inside = (
        (lat[nodes] >= min_lat) & (lat[nodes] <= max_lat) & (lon[nodes] >= min_lon) & (lon[nodes] <= max_lon)
    )
    nodes = nodes[inside]
    kept = _thinned(lat[nodes], lon[nodes], min_spacing_m)
    options = views.options()
    return [Site(float(lat[n]), float(lon[n]), 1.0, options, name=f"node {int(n)}") for n in nodes[kept]]


def _thinned(lat: F64, lon: F64, spacing_m: float) -> npt.NDArray[np.int64]:
    """Indices of points kept so that no two are closer than `spacing_m` (the first of a cluster stays)."""
    if len(lat) == 0 or spacing_m <= 0:
        return np.arange(len(lat), dtype=np.int64)
    cell = spacing_m / 111_320.0
    lat0 = math.radians(float(np.mean(lat)))
    keys = np.stack([np.floor(lat / cell), np.floor(lon * math.cos(lat0) / cell)], axis=1).astype(np.int64)
    x, y = lon * math.cos(lat0) * 111_320.0, lat * 111_320.0
    grid: dict[tuple[int, int], list[int]] = {}
    kept: list[int] = []
    for i, (ky, kx) in enumerate(keys.tolist()):
        near = (grid.get((ky + dy, kx + dx), ()) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        if any(math.hypot(x[i] - x[j], y[i] - y[j]) < spacing_m for cell_ in near for j in cell_):
            continue
        kept.append(i)
        grid.setdefault((ky, kx), []).append(i)
    return np.array(kept, dtype=np.int64)


def read_poles(text: str, *, region: Bbox, views: Views) -> list[Site]:
    """Sites from a CSV of allowed poles; every bad row is reported (PlacementError on field `sites`)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [name for name in ("lat", "lon", "cost") if name not in header]
    if missing:
        raise PlacementError("sites", f"the poles CSV has no column {', '.join(missing)} (line 1)")
    unknown = [name for name in header if name not in _COLUMNS]
    if unknown:
        raise PlacementError("sites", f"the poles CSV has unknown columns {', '.join(unknown)} (line 1)")
    sites: list[Site] = []
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        fields = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            problems.append(f"line {line}: more values than columns")
            continue
        try:
            sites.append(_pole(fields, region, views))
        except PlacementError as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        raise PlacementError("sites", "; ".join(shown) + (f"; and {more} more" if more else ""))
    if not sites:
        raise PlacementError("sites", "the poles CSV lists no pole")
    return sites


def _pole(fields: dict[str, str], region: Bbox, views: Views) -> Site:
    lat = _number(fields, "lat", -90, 90)
    lon = _number(fields, "lon", -180, 180)
    if not in_region(lat, lon, region):
        raise PlacementError("lat", f"the pole at {lat}, {lon} is outside the region")
    cost = _number(fields, "cost", 0, math.inf)
    height = _number(fields, "height_m", 0, 100) if fields.get("height_m") else DEFAULT_HEIGHT_M
    options = views.options()
    if fields.get("heading_deg"):
        heading = _number(fields, "heading_deg", 0, 360) % 360
        fov = _number(fields, "fov_deg", 0, 360) if fields.get("fov_deg") else views.fov_deg
        if fov <= 0:
            raise PlacementError("fov_deg", "fov_deg must be above 0")
        rng = _number(fields, "range_m", 0, 2000) if fields.get("range_m") else views.range_m
        options = (CameraOption(heading, fov, rng),)
    elif fields.get("range_m"):
        rng = _number(fields, "range_m", 0, 2000)
        options = tuple(CameraOption(o.heading_deg, o.fov_deg, rng) for o in options)
    if any(o.range_m <= 0 for o in options):
        raise PlacementError("range_m", "range_m must be above 0")
    return Site(lat, lon, cost, options, height, fields.get("name", ""))


def _number(fields: dict[str, str], name: str, low: float, high: float) -> float:
    text = fields.get(name, "")
    try:
        value = float(text)
    except ValueError:
        raise PlacementError(name, f"{name} {text!r} is not a number") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise PlacementError(name, f"{name} {text} is outside {low:g}..{high:g}")
    return value


@dataclass(frozen=True, eq=False)
class OptionArrays:
    """The sites' options flattened: one entry per option, and per-site costs."""

    site_of_option: npt.NDArray[np.int64]
    lat: F64
    lon: F64
    height_m: F64
    heading_deg: F64
    fov_deg: F64
    range_m: F64
    site_cost: F64


def option_arrays(sites: Sequence[Site]) -> OptionArrays:
    rows = [(i, s, o) for i, s in enumerate(sites) for o in s.options]
    return OptionArrays(
        site_of_option=np.array([i for i, _, _ in rows], dtype=np.int64),
        lat=_floats(s.lat for _, s, _ in rows),
        lon=_floats(s.lon for _, s, _ in rows),
        height_m=_floats(s.height_m for _, s, _ in rows),
        heading_deg=_floats(o.heading_deg for _, _, o in rows),
        fov_deg=_floats(o.fov_deg for _, _, o in rows),
        range_m=_floats(o.range_m for _, _, o in rows),
        site_cost=_floats(s.cost for s in sites),
    )


def _floats(values: Iterable[float]) -> F64:
    return np.fromiter(values, dtype=np.float64)
