"""What a service provides for each kind of import: how to apply a chunk of rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession


Status = Literal["accepted", "unchanged", "rejected"]


@dataclass(frozen=True)
class SourceRow:
    """One row of the file: its number (1 = the first data row) and its non-empty fields."""

    number: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class RowOutcome:
    number: int
    status: Status
    errors: list[dict[str, str]] = field(default_factory=list)  # [{"field": ..., "message": ...}]


def rejected(row: SourceRow | int, field_name: str, message: str) -> RowOutcome:
    number = row if isinstance(row, int) else row.number
    return RowOutcome(number, "rejected", [{"field": field_name, "message": message}])


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as [{"field", "message"}], the shape problem+json uses too."""
    return [{"field": ".".join(str(p) for p in e["loc"]) or "row", "message": e["msg"].removeprefix("Value error, ")}
            for e in exc.errors()]


@dataclass(frozen=True)
class ImportContext:
    """Who uploaded, and so whose rows they may import (`agency_id` None: every agency, e.g. BKN)."""

    job_id: str
    subject: str
    agency_id: str | None


class ImportKind(Protocol):
    name: str  # the path segment: POST /v1/imports/{name}
    description: str

    async def apply(self, session: AsyncSession, rows: Sequence[SourceRow],
                    context: ImportContext) -> Sequence[RowOutcome]:
        """Validate and write the rows inside the caller's transaction (with their outbox events);
        one outcome per row. Valid rows are written even when others are rejected."""
        ...
