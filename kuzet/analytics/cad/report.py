"""The report of a CAD import: what was read, imported, rejected (and why, by line), skipped as a duplicate,
warned about and treated as missing, and the time span of the data. Kept as JSON in `cad_imports.report`.

Memory stays bounded on any file: only the first `keep` rejects and duplicates are listed, and at most
`keep_values` distinct unknown labels per field (the rest are counted under "(other)"). Pure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from kuzet.analytics.cad.rows import CheckedRow, Issue
from kuzet.core.i18n import N_, translate

OTHER: Final = "(other)"
SHOWN_VALUE_CHARS: Final = 80

MESSAGES: Final = {
    "missing": N_("{field}: missing"),
    "unreadable_time": N_("{field}: unreadable time «{value}»"),
    "too_long": N_("{field}: longer than {limit} characters"),
    "field_count": N_("the row has {value} fields instead of {limit}"),
    "unbalanced_quote": N_(
        "lines {value}: a quote that is never closed joins these lines into one record of {limit} fields"
    ),
    "unknown_value": N_("{field}: «{value}» has no match in the mapping"),
    "ambiguous_time": N_(
        "{field}: local time «{value}» is ambiguous at a clock change; the earlier offset is used"
    ),
}


def describe(issue: Mapping[str, Any], locale: str = "en") -> str:
    """One reject or warning reason in words, from its JSON form."""
    message = MESSAGES.get(str(issue.get("code")), "{field}")
    return translate(
        message,
        locale,
        field=issue.get("field", ""),
        value=issue.get("value", ""),
        limit=issue.get("limit", 0),
    )


def issue_json(issue: Issue) -> dict[str, Any]:
    found: dict[str, Any] = {"code": issue.code, "field": issue.field}
    if issue.value:
        found["value"] = issue.value[:SHOWN_VALUE_CHARS]
    if issue.limit:
        found["limit"] = issue.limit
    return found


def reason_key(issue: Issue) -> str:
    """How reasons are counted: the code and the field, e.g. "unreadable_time:first_on_scene_at"."""
    return f"{issue.code}:{issue.field}" if issue.field else issue.code


class ReportBuilder:
    """Collects the counts row by row; `as_json` gives the report."""

    def __init__(self, *, keep: int = 100, keep_values: int = 50) -> None:
        self._keep = keep
        self._keep_values = keep_values
        self.rows_read = self.imported = self.rejected = 0
        self.duplicates_in_file = self.duplicates_of_earlier = 0
        self.reject_reasons: Counter[str] = Counter()
        self.first_rejects: list[dict[str, Any]] = []
        self.warning_reasons: Counter[str] = Counter()
        self.unknown_values: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.missing: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.first_duplicates: list[dict[str, Any]] = []
        self.first_received: datetime | None = None
        self.last_received: datetime | None = None

    @property
    def duplicates(self) -> int:
        return self.duplicates_in_file + self.duplicates_of_earlier

    def row(self, line: int, checked: CheckedRow, last_line: int | None = None) -> bool:
        """Count one record (on lines `line` to `last_line`); True when it passed its checks (it may still
        be a duplicate)."""
        self.rows_read += 1
        for name, marker in checked.missing:
            self.missing[name][marker] += 1
        for issue in checked.warnings:
            self.warning_reasons[reason_key(issue)] += 1
            if issue.code == "unknown_value":
                self._unknown(issue.field, issue.value)
        if checked.values is not None:
            return True
        self.rejected += 1
        self.reject_reasons.update(reason_key(issue) for issue in checked.rejects)
        if len(self.first_rejects) < self._keep:
            reject: dict[str, Any] = {"line": line, "reasons": [issue_json(i) for i in checked.rejects]}
            if last_line is not None and last_line > line:
                reject["lines"] = [line, last_line]
            self.first_rejects.append(reject)
        return False

    def _unknown(self, name: str, value: str) -> None:
        seen = self.unknown_values[name]
        shown = value[:SHOWN_VALUE_CHARS]
        seen[shown if shown in seen or len(seen) < self._keep_values else OTHER] += 1

    def duplicate(self, line: int, number: str, earlier_import: int | None) -> None:
        """A row whose number came earlier in this file (`earlier_import` None) or in an earlier import."""
        if earlier_import is None:
            self.duplicates_in_file += 1
        else:
            self.duplicates_of_earlier += 1
        if len(self.first_duplicates) < self._keep:
            self.first_duplicates.append({"line": line, "number": number, "earlier_import": earlier_import})

    def stored(self, received_at: datetime) -> None:
        """A row imported (or, in a dry run, one that would be)."""
        self.imported += 1
        if self.first_received is None or received_at < self.first_received:
            self.first_received = received_at
        if self.last_received is None or received_at > self.last_received:
            self.last_received = received_at

    def as_json(self, **header: Any) -> dict[str, Any]:
        """The report; `header` (status, file, sha256, mapping …) comes first."""
        span = None
        if self.first_received is not None and self.last_received is not None:
            span = {"from": self.first_received.isoformat(), "to": self.last_received.isoformat()}
        return {
            **header,
            "rows_read": self.rows_read,
            "records": self.rows_read,
            "imported": self.imported,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "warnings": sum(self.warning_reasons.values()),
            "span": span,
            "rejects": {"by_reason": dict(self.reject_reasons.most_common()), "first": self.first_rejects},
            "duplicates_detail": {
                "in_file": self.duplicates_in_file,
                "earlier_imports": self.duplicates_of_earlier,
                "first": self.first_duplicates,
            },
            "warnings_detail": {
                "by_reason": dict(self.warning_reasons.most_common()),
                "unknown_values": {k: dict(v.most_common()) for k, v in sorted(self.unknown_values.items())},
            },
            "missing": {k: dict(v.most_common()) for k, v in sorted(self.missing.items())},
        }
