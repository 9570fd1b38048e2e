"""Incidents loaded from another CAD system's export (`kuzet import-cad`), kept apart from live ones.

An imported incident carries what the reports need: its category, priority, district, channel, partner, unit
type and the standard stamps; any further stamps the export had are kept by name in `stamps`, so custom
intervals can use them; the source's own priority, call type (`category_raw`) and any further columns the
mapping keeps (`dimensions`) stay as written, to be grouped by. Each load is recorded with its report.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from kuzet.core.db import UTCDateTime, metadata

cad_imports = Table(
    "cad_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(300), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("mapping_name", String(300), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("rows_read", Integer, nullable=False),
    Column("rows_imported", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("report", JSON, nullable=False),
    Column("imported_by", String(120), nullable=False),
)

imported_incidents = Table(
    "imported_incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", ForeignKey("cad_imports.id"), nullable=False),
    Column("number", String(60), nullable=False, unique=True),  # the source system's incident number
    Column("category_code", String(60)),  # ours, as mapped; None if the mapping had no match
    Column("category_raw", String(200)),
    Column("priority", Integer),
    Column("district", String(40)),
    Column("channel", String(20)),
    Column("partner", String(20)),
    Column("unit_type", String(30)),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("first_dispatched_at", UTCDateTime()),
    Column("first_en_route_at", UTCDateTime()),
    Column("first_on_scene_at", UTCDateTime()),
    Column("cleared_at", UTCDateTime()),
    Column("closed_at", UTCDateTime()),
    Column("disposition", String(40)),
    Column("stamps", JSON, nullable=False),  # further named stamps (ISO 8601 UTC) for custom intervals
    Column("source_priority", String(40)),  # the priority as the source wrote it (any scale)
    Column("dimensions", JSON),  # further source columns kept by the mapping, as text by name
    Index("ix_imported_incidents_received", "received_at"),
)
