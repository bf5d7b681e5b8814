"""Rows of an uploaded file, read as a stream: CSV (a header row, UTF-8, an Excel BOM tolerated) or
NDJSON (one JSON object a line). Empty cells and nulls are left out, so a missing value is simply absent."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Format = Literal["csv", "ndjson"]


@dataclass(frozen=True)
class ReadRow:
    number: int
    end_offset: int  # bytes of the file read once this row is read (progress)
    fields: dict[str, Any] | None
    error: str | None = None


def read_rows(path: Path, fmt: Format) -> Iterator[ReadRow]:
    with path.open("rb") as file:
        yield from (_csv_rows(file) if fmt == "csv" else _ndjson_rows(file))


def _ndjson_rows(file: Any) -> Iterator[ReadRow]:
    offset, number = 0, 0
    for line in file:
        offset += len(line)
        if not line.strip():
            continue
        number += 1
        try:
            value = json.loads(line)
        except ValueError as exc:
            yield ReadRow(number, offset, None, f"not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield ReadRow(number, offset, None, "a line must hold one JSON object")
            continue
        yield ReadRow(number, offset, {k: v for k, v in value.items() if v is not None and v != ""})


def _csv_rows(file: Any) -> Iterator[ReadRow]:
    consumed = [0]
    undecodable: list[int] = []

    def lines() -> Iterator[str]:
        for raw in file:
            consumed[0] += len(raw)
            try:
                yield raw.decode("utf-8-sig" if consumed[0] == len(raw) else "utf-8")
            except UnicodeDecodeError:
                undecodable.append(1)
                yield raw.decode("utf-8", errors="replace")

    reader = csv.reader(lines())
    header = [name.strip().lower() for name in next(reader, [])]
    number = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            undecodable.clear()
            continue
        number += 1
        if undecodable:
            undecodable.clear()
            yield ReadRow(number, consumed[0], None, "the row is not valid UTF-8")
        elif len(cells) != len(header):
            yield ReadRow(number, consumed[0], None, f"the row has {len(cells)} fields, the header {len(header)}")
        else:
            yield ReadRow(number, consumed[0], {k: v.strip() for k, v in zip(header, cells) if v.strip()})
