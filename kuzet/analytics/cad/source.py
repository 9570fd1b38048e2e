"""Reading a CAD export: a first pass that hashes the file and proves it decodes, then a stream of records.

Nothing here holds more than one chunk or one record: an export of millions of rows streams through. Pure
(standard library only).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Self

from kuzet.analytics.cad.mapping import Dialect

CHUNK: Final = 1 << 20


class SourceFileError(Exception):
    """The export cannot be read: missing, unreadable, not in its declared encoding, or broken CSV."""


@dataclass(frozen=True)
class FileScan:
    sha256: str
    size: int


def scan_file(path: Path, encoding: str) -> FileScan:
    """Hash the whole file and decode it once, so that a bad encoding stops the import before it writes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    size = lines = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                _decode(decoder, chunk, size, lines, encoding)
                size += len(chunk)
                lines += chunk.count(b"\n")
            _decode(decoder, b"", size, lines, encoding, final=True)
    except OSError as exc:
        raise SourceFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return FileScan(digest.hexdigest(), size)


def _decode(
    decoder: codecs.IncrementalDecoder,
    chunk: bytes,
    offset: int,
    lines: int,
    encoding: str,
    *,
    final: bool = False,
) -> None:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError as exc:
        start = max(exc.start, 0)
        line = lines + chunk[:start].count(b"\n") + 1
        raise SourceFileError(
            f"the file is not readable as {encoding}: bad bytes near byte {offset + start:,} "
            f"(line {line:,}); set csv.encoding in the mapping (e.g. utf-8, utf-8-sig, cp1251)"
        ) from exc


class Records:
    """The export's records after its header, as (first line number, fields); blank records are skipped and
    counted. Use as a context manager; `position` tells how many bytes have been read so far, `last_line`
    the physical line on which the record just given ends (a quoted field may span lines), and `lines`
    how many physical lines have been read."""

    def __init__(self, path: Path, dialect: Dialect) -> None:
        try:
            self._binary = path.open("rb")
        except OSError as exc:
            raise SourceFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
        self._text = io.TextIOWrapper(self._binary, encoding=dialect.encoding, newline="")
        self._reader = csv.reader(self._text, delimiter=dialect.delimiter, quotechar=dialect.quote)
        self.blank_lines = 0
        self.last_line = 0
        try:
            self.header = self._read_header(dialect.header_row)
        except BaseException:
            self._text.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._text.close()

    @property
    def position(self) -> int:
        return self._binary.tell()

    @property
    def lines(self) -> int:
        return int(self._reader.line_num)

    def _read_header(self, header_row: int) -> list[str] | None:
        if header_row == 0:
            return None
        fields: list[str] | None = None
        for _ in range(header_row):
            fields = self._next()
        if fields is None:
            raise SourceFileError(f"the file ends before its header (record {header_row})")
        # A byte-order mark read as text (encoding utf-8 on a utf-8-sig file) is not part of the first name.
        return [name.lstrip("\ufeff").strip() for name in fields]

    def _next(self) -> list[str] | None:
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise SourceFileError(f"line {self._reader.line_num + 1:,}: {exc}") from exc

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            first = self._reader.line_num + 1
            fields = self._next()
            if fields is None:
                return
            if not any(value.strip() for value in fields):
                self.blank_lines += 1
                continue
            self.last_line = self._reader.line_num
            yield first, fields
