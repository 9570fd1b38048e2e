"""The hand-over fixtures, for every test of this folder."""

from tests.interagency.handover_fixtures import handover_relay, make_sim

__all__ = ["handover_relay", "make_sim"]
