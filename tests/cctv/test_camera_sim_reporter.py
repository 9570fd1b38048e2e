"""The simulated cameras' analytics system, step by step on a moved clock: a heartbeat of the cameras alive
every period, a camera gone silent left out of them (and serving no picture) until its silence is over, and
every post signed with the source's key."""

from __future__ import annotations

import json
import random

import httpx

from kuzet.cctv.camera_sim_reporter import HEARTBEATS, Reporter, ReportPlan
from kuzet.core.signing import KEY_HEADER, SIGNATURE_HEADER, signature


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_silent_camera_leaves_the_heartbeats_until_its_silence_is_over() -> None:
    posted: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return httpx.Response(200, json={})

    clock, silent = Clock(), set[str]()
    plan = ReportPlan(heartbeat_s=30, silence_every_s=100, silence_s=200)
    reporter = Reporter(
        "http://kuzet.test",
        ("demo_cameras-k1", "s3cret"),
        ["A", "B", "C"],
        plan,
        silent=silent,
        rng=random.Random(7),
        clock=clock,
        transport=httpx.MockTransport(answer),
    )
    beats: list[set[str]] = []
    for _ in range(40):  # 20 minutes, a step every 30 s
        reporter.step()
        clock.now += 30
    for request in posted:
        assert request.url.path == HEARTBEATS and request.headers[KEY_HEADER] == "demo_cameras-k1"
        stamp, nonce = request.headers["X-Kuzet-Timestamp"], request.headers["X-Kuzet-Nonce"]
        expected = signature("s3cret", "POST", HEARTBEATS, stamp, nonce, request.content)
        assert request.headers[SIGNATURE_HEADER] == expected
        beats.append(set(json.loads(request.content)["cameras"]))
    assert len(beats) == 40 and beats[0] == {"A", "B", "C"}
    assert any(len(b) < 3 for b in beats), "no camera ever went silent"
    assert all(b for b in beats), "all cameras went silent at once"
    # a camera that went silent comes back within its silence (200 s: 7 heartbeats at most left out)
    for camera in "ABC":
        run = 0
        for beat in beats:
            run = run + 1 if camera not in beat else 0
            assert run <= 7
    assert reporter.sent["heartbeat"] == 40


def test_a_heartbeat_kuzet_did_not_take_is_tried_again_soon_not_a_period_later() -> None:
    up = False
    delivered: list[float] = []
    clock = Clock()

    def answer(request: httpx.Request) -> httpx.Response:
        if not up:
            raise httpx.ConnectError("Kuzet is still starting", request=request)
        delivered.append(clock.now)
        return httpx.Response(200, json={})

    reporter = Reporter(
        "http://kuzet.test",
        ("k", "s"),
        ["A"],
        ReportPlan(heartbeat_s=30),
        silent=set(),
        clock=clock,
        transport=httpx.MockTransport(answer),
    )
    reporter.step()  # at once: Kuzet is not up
    up = True
    for _ in range(10):
        clock.now += 1
        reporter.step()
    assert delivered == [1002.0]  # two seconds later, then the next one a period after
    assert reporter.sent == {"heartbeat": 1, "plate": 0, "refused": 1}
