"""The documented media types are exactly the ones the gateway recognises."""

from __future__ import annotations

from kuzet.partners.media import ACCEPTED_TYPES, sniff

HEADS = [
    b"\xff\xd8\xff\xe0" + bytes(12),
    b"\x89PNG\r\n\x1a\n" + bytes(8),
    b"\x00\x00\x00\x18ftypheic" + bytes(4),
    b"\x00\x00\x00\x18ftypheix" + bytes(4),
    b"\x00\x00\x00\x18ftypmif1" + bytes(4),
    b"\x00\x00\x00\x18ftypM4A " + bytes(4),
    b"\x00\x00\x00\x18ftypqt  " + bytes(4),
    b"\x00\x00\x00\x18ftypisom" + bytes(4),
    b"\x1a\x45\xdf\xa3" + bytes(12),
    b"OggS" + bytes(12),
    b"#!AMR\n" + bytes(10),
    b"RIFF\x00\x00\x00\x00WAVEfmt ",
    b"ID3\x04" + bytes(12),
]


def test_every_sniffed_type_is_documented_and_every_documented_type_is_sniffed() -> None:
    sniffed = {found[1] for head in HEADS if (found := sniff(head)) is not None}
    assert sniffed == set(ACCEPTED_TYPES)
    assert sniff(b"#!/bin/sh\n") is None
