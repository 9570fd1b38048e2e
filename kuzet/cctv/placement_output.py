"""The placement plan as GeoJSON (the console's proposal layer, and a file) and as a PNG map.

The GeoJSON is a FeatureCollection (RFC 7946, WGS 84 lon/lat). Each chosen camera is a Point feature
(`kind` = `site`) with its rank, site name, cost, view (heading, field of view, range) and the incidents it
newly covers (seen by it and by no existing camera: `new_incidents`, `new_weight`; two new cameras may share
some), followed by a Polygon feature (`kind` = `sector`) drawing its view. The summary (coverage before and
after, greedy's figures, the gap) is the collection's `plan` member.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Final

from kuzet.cctv.placement_coverage import METRES_PER_DEGREE
from kuzet.cctv.placement_service import PlanReport

SECTOR_STEPS: Final = 24


def summary(report: PlanReport) -> dict[str, Any]:
    r = report.result
    request = report.request
    return {
        "period": str(request.period),
        "origin": request.origin.value,
        "sites": report.site_source,
        "candidate_sites": len(report.sites),
        "candidate_options": len(report.options.site_of_option),
        "new_cameras": request.new_cameras,
        "budget": request.budget,
        "incidents": r.total_incidents,
        "incidents_without_point": report.incidents.without_point,
        "imported_without_point": report.incidents.imported_without_point,
        "existing_cameras": report.existing_cameras,
        "weights": {str(k): v for k, v in sorted(request.weights.items())},
        "before": {"incidents": r.before_incidents, "weight": r.before_weight},
        "after": {"incidents": r.plan.covered_incidents, "weight": r.plan.covered_weight},
        "greedy_after": {"incidents": r.greedy.covered_incidents, "weight": r.greedy.covered_weight},
        "total_weight": r.total_weight,
        "chosen": r.plan.cameras,
        "cost": r.plan.cost,
        "chosen_by": r.chosen_by,
        "status": r.status,
        "proven_optimal": r.proven_optimal,
        "gap": r.gap if r.gap is None or math.isfinite(r.gap) else None,
        "mip_gap": r.mip_gap,
        "upper_bound_new_weight": r.upper_bound,
        "solve_seconds": round(r.solve_seconds + r.greedy_seconds + r.reduce_seconds, 3),
    }


def sector_ring(lat: float, lon: float, heading: float, fov: float, range_m: float) -> list[list[float]]:
    """A closed lon/lat ring drawing the view (a circle for 360 degrees)."""
    kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
    if fov >= 360:
        angles = [heading + 360.0 * i / SECTOR_STEPS for i in range(SECTOR_STEPS)]
        points = []
    else:
        angles = [heading - fov / 2 + fov * i / SECTOR_STEPS for i in range(SECTOR_STEPS + 1)]
        points = [[lon, lat]]
    for a in angles:
        rad = math.radians(a)
        points.append(
            [
                round(lon + range_m * math.sin(rad) / kx, 7),
                round(lat + range_m * math.cos(rad) / METRES_PER_DEGREE, 7),
            ]
        )
    return [*points, points[0]]


def to_geojson(report: PlanReport) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    o = report.options
    for rank, choice in enumerate(report.result.choices, start=1):
        site = report.sites[choice.site]
        i = choice.option
        view = {
            "heading_deg": float(o.heading_deg[i]),
            "fov_deg": float(o.fov_deg[i]),
            "range_m": float(o.range_m[i]),
            "height_m": float(o.height_m[i]),
        }
        properties = {
            "kind": "site",
            "rank": rank,
            "name": site.name,
            "cost": choice.cost,
            **view,
            "new_incidents": choice.new_incidents,
            "new_weight": choice.new_weight,
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                "properties": properties,
            }
        )
        ring = sector_ring(site.lat, site.lon, view["heading_deg"], view["fov_deg"], view["range_m"])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"kind": "sector", "rank": rank, "name": site.name},
            }
        )
    return {"type": "FeatureCollection", "features": features, "plan": summary(report)}


def draw_map(report: PlanReport, path: Path) -> None:
    """A PNG: incidents (already seen, newly seen, still unseen), the chosen cameras and their views."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    inc = report.incidents
    unseen = ~report.covered_before & ~report.newly_covered
    fig, ax = plt.subplots(figsize=(10, 10), dpi=110)
    try:
        ax.scatter(inc.lon[unseen], inc.lat[unseen], s=2, c="#9e9e9e", label="not seen", linewidths=0)
        ax.scatter(
            inc.lon[report.covered_before],
            inc.lat[report.covered_before],
            s=3,
            c="#2e7d32",
            label="seen now",
            linewidths=0,
        )
        ax.scatter(
            inc.lon[report.newly_covered],
            inc.lat[report.newly_covered],
            s=10,
            zorder=3,
            c="#1565c0",
            label="newly seen",
            linewidths=0,
        )
        for rank, choice in enumerate(report.result.choices, start=1):
            site = report.sites[choice.site]
            o, i = report.options, choice.option
            ring = sector_ring(
                site.lat, site.lon, float(o.heading_deg[i]), float(o.fov_deg[i]), float(o.range_m[i])
            )
            ax.fill([p[0] for p in ring], [p[1] for p in ring], color="#c62828", alpha=0.25, linewidth=0)
            ax.plot(site.lon, site.lat, marker="^", color="#c62828", markersize=6)
            ax.annotate(
                str(rank), (site.lon, site.lat), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
        mid = float(inc.lat.mean()) if len(inc) else (report.sites[0].lat if report.sites else 0.0)
        ax.set_aspect(1 / max(math.cos(math.radians(mid)), 0.01))
        r = report.result
        ax.set_title(
            f"{r.plan.cameras} new cameras, period {report.request.period}: covered weight "
            f"{r.before_weight:,.0f} -> {r.plan.covered_weight:,.0f} of {r.total_weight:,.0f} "
            f"(greedy {r.greedy.covered_weight:,.0f})",
            fontsize=9,
        )
        ax.legend(loc="upper right", fontsize=8, markerscale=4)
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        fig.savefig(path, bbox_inches="tight")
    finally:
        plt.close(fig)
