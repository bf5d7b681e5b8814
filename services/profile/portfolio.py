"""Portfolio entries (domain.md §1): typed per kind, stored as one table; who may record which kind."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.profile.domain import PositionType

THIS_YEAR_MAX = 2100


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Education(_Entry):
    kind: Literal["education"]
    level: Literal["SD", "SMP", "SMA", "D-I", "D-II", "D-III", "D-IV", "S1", "S2", "S3"]
    major: str = Field(min_length=1, max_length=200)
    institution: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1950, le=THIS_YEAR_MAX)


class Training(_Entry):
    """Diklat; every PNS should reach at least 20 JP (training hours) a year."""

    kind: Literal["training"]
    name: str = Field(min_length=1, max_length=200)
    hours: int = Field(ge=1, le=2000, description="JP (jam pelajaran)")
    completed_on: date


class Award(_Entry):
    kind: Literal["award"]
    name: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1950, le=THIS_YEAR_MAX)


class Penalty(_Entry):
    """Hukuman disiplin; recorded by HR only. A medium or severe one screens a candidate out for two years."""

    kind: Literal["penalty"]
    level: Literal["ringan", "sedang", "berat"]
    starts_on: date
    ends_on: date | None = None
    decree: str = Field(min_length=1, max_length=200, description="the decision letter (SK) number")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Penalty:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class Certification(_Entry):
    kind: Literal["certification"]
    name: str = Field(min_length=1, max_length=200)
    issuer: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1950, le=THIS_YEAR_MAX)


class Aspiration(_Entry):
    kind: Literal["aspiration"]
    target_position_type: PositionType
    statement: str = Field(min_length=1, max_length=2000)


PortfolioEntry = Annotated[Education | Training | Award | Penalty | Certification | Aspiration,
                           Field(discriminator="kind")]
HR_ONLY_KINDS = frozenset({"penalty"})


def training_hours_by_year(entries: list[Training]) -> dict[int, int]:
    """JP per calendar year, to track the ≥ 20 JP a year rule."""
    hours: dict[int, int] = {}
    for entry in entries:
        hours[entry.completed_on.year] = hours.get(entry.completed_on.year, 0) + entry.hours
    return dict(sorted(hours.items()))
