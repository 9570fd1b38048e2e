"""The placement plan's coverage through the registry's visibility (`kuzet.cctv.visibility`): a view sees an
incident when it lies in the view's sector and range and no building cuts the line of sight, exactly as for
the cameras listed on an incident's card. An adapter: views and incidents in lon/lat to the visibility's
local metres, and its (camera, point) pairs to a sparse matrix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]

from kuzet.cctv.placement_coverage import F64, Coverage, Views
from kuzet.cctv.visibility import Buildings, CameraViews, LocalProjection, visible_pairs


def sight_coverage(buildings: Buildings, projection: LocalProjection) -> Coverage:
    """A Coverage that runs the visibility's vectorised test against these buildings (in `projection`)."""

    def coverage(views: Views, inc_lat: F64, inc_lon: F64) -> sparse.csr_array:
        shape = (len(views), len(inc_lat))
        if 0 in shape:
            return sparse.csr_array(shape, dtype=np.int8)
        x, y = projection.to_xy(views.lat, views.lon)
        cameras = CameraViews.build(x, y, views.heading_deg, views.fov_deg, views.range_m)
        px, py = projection.to_xy(inc_lat, inc_lon)
        cam, pt = visible_pairs(cameras, px, py, buildings)
        return sparse.csr_array((np.ones(len(cam), dtype=np.int8), (cam, pt)), shape=shape, dtype=np.int8)

    return coverage


def region_coverage(region: tuple[float, float, float, float], buildings_file: Path) -> Coverage:
    """The visibility over the region with the imported building footprints (none if the file is absent)."""
    from kuzet.cctv.buildings_osm import load_buildings

    projection = LocalProjection.around(region)
    return sight_coverage(load_buildings(buildings_file, projection), projection)
