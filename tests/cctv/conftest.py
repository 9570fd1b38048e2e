"""The CCTV fixtures, for every test of this folder."""

from tests.cctv.camera_fixtures import camera_sim

__all__ = ["camera_sim"]
