"""The Atom feed of published CAP alerts (RFC 4287), as public alerting hubs read them.

Each entry links to its alert's CAP document (`rel="alternate"`, `application/cap+xml`) and carries the whole
alert in its content too, so a reader needs one request. The entry id is the alert's CAP identity
(sender, identifier), so an update is a new entry and the original stays recognisable. An entry names its
message type as an Atom category, and links each message it follows (`rel="related"`): a hub that reads only
the feed sees an update or a cancellation refer to the alert it replaces. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from urllib.parse import quote
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from kuzet.interagency.cap import (
    CAP_12_NAMESPACE,
    CapAlert,
    CapInfo,
    CapMsgType,
    CapReference,
    check_cap_time,
)
from kuzet.interagency.cap_xml import cap_element

ATOM_NAMESPACE: Final = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE: Final = "application/cap+xml"
MSG_TYPE_SCHEME: Final = "urn:oasis:names:tc:emergency:cap:1.2:msgType"  # an entry's category: its msgType
# The embedded alerts are written with the conventional `cap:` prefix (ElementTree's registry is global; this
# standard prefix for the standard namespace changes nothing else's meaning).
register_namespace("cap", CAP_12_NAMESPACE)


@dataclass(frozen=True)
class AtomFeedInfo:
    """What the feed says about itself: its permanent id (an IRI), title, own address and author."""

    feed_id: str
    title: str
    self_url: str
    author: str


def _atom(name: str) -> str:
    # Atom elements are built unqualified and the root declares Atom as the default namespace (below):
    # ElementTree's own default_namespace option refuses the unqualified attributes Atom uses (rel, href).
    return name


def _first_info(alert: CapAlert, languages: tuple[str, ...]) -> CapInfo | None:
    for language in languages:
        for info in alert.infos:
            if info.language == language or info.language.startswith(f"{language}-"):
                return info
    return alert.infos[0] if alert.infos else None


def alert_entry_id(alert: CapAlert) -> str:
    """The entry's permanent id: a URN naming the alert by its CAP sender and identifier."""
    return f"urn:kuzet:cap:{quote(alert.sender, safe='@.-_')}:{quote(alert.identifier, safe='.-_')}"


def to_atom_feed(
    alerts: Iterable[CapAlert],
    *,
    feed: AtomFeedInfo,
    updated: datetime,
    alert_url: Callable[[CapAlert], str],
    reference_url: Callable[[CapReference], str | None] = lambda reference: None,
    languages: tuple[str, ...] = ("ru", "kk", "en"),
) -> bytes:
    """An Atom feed with one entry per alert, newest first. `alert_url` gives each alert's CAP document
    address, `reference_url` that of a message it follows (None: not linked); an entry's title and summary
    come from its info block in the first of `languages` it has (a cancellation's summary is its note)."""
    check_cap_time("updated", updated)
    root = Element(_atom("feed"), {"xmlns": ATOM_NAMESPACE})
    SubElement(root, _atom("id")).text = feed.feed_id
    SubElement(root, _atom("title")).text = feed.title
    SubElement(root, _atom("updated")).text = updated.isoformat(timespec="seconds")
    SubElement(root, _atom("link"), {"rel": "self", "href": feed.self_url, "type": "application/atom+xml"})
    SubElement(SubElement(root, _atom("author")), _atom("name")).text = feed.author
    for alert in sorted(alerts, key=lambda a: a.sent, reverse=True):
        entry = SubElement(root, _atom("entry"))
        info = _first_info(alert, languages)
        SubElement(entry, _atom("id")).text = alert_entry_id(alert)
        title = (info.headline or info.event) if info is not None else alert.msg_type.value
        title_element = SubElement(entry, _atom("title"))
        title_element.text = title
        if info is not None:
            title_element.set("{http://www.w3.org/XML/1998/namespace}lang", info.language)
        SubElement(entry, _atom("updated")).text = alert.sent.isoformat(timespec="seconds")
        SubElement(entry, _atom("published")).text = alert.sent.isoformat(timespec="seconds")
        SubElement(SubElement(entry, _atom("author")), _atom("name")).text = alert.sender
        summary = alert.note if alert.msg_type is CapMsgType.CANCEL and alert.note else None
        summary = summary or (info.description if info is not None else None)
        if summary:
            SubElement(entry, _atom("summary")).text = summary
        SubElement(entry, _atom("category"), {"term": alert.msg_type.value, "scheme": MSG_TYPE_SCHEME})
        href = alert_url(alert)
        SubElement(entry, _atom("link"), {"rel": "alternate", "type": CAP_MEDIA_TYPE, "href": href})
        for reference in alert.references:
            followed = reference_url(reference)
            if followed is not None:
                SubElement(entry, _atom("link"), {"rel": "related", "type": CAP_MEDIA_TYPE, "href": followed})
        # An XML media type: the content is the one <alert> element itself (RFC 4287, 4.1.3.3).
        content = SubElement(entry, _atom("content"), {"type": CAP_MEDIA_TYPE})
        content.append(cap_element(alert))
    written: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return written
