"""What a person is shown of a camera's address: where the camera is reached, never how it is logged into."""

from __future__ import annotations

import pytest

from kuzet.cctv.domain import without_credentials


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("http://viewer:Pass-1@10.20.0.7/snapshot.jpg", "http://10.20.0.7/snapshot.jpg"),
        (
            "rtsp://admin@cam.example.kz:554/Streaming/Channels/101",
            "rtsp://cam.example.kz:554/Streaming/Channels/101",
        ),
        (
            "http://10.0.0.9/cgi-bin/snapshot.cgi?loginuse=admin&loginpas=12345",
            "http://10.0.0.9/cgi-bin/snapshot.cgi",
        ),
        ("rtsps://u:p@[fd00::7]:8555/live#frag", "rtsps://[fd00::7]:8555/live"),
        ("rtsp://10.0.0.4:554/user=admin_password=tlJwpbo6_channel=1_stream=0.sdp", "rtsp://10.0.0.4:554/…"),
        ("http://127.0.0.1:8099/cam/CAM-0001/mjpeg", "http://127.0.0.1:8099/cam/CAM-0001/mjpeg"),
    ],
)
def test_an_address_is_shown_without_its_credentials(address: str, shown: str) -> None:
    assert without_credentials(address) == shown
