"""HTTP request and response bodies of the profile service."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from services.profile.domain import GOLONGAN, PPPK_GOLONGAN, AgencyKind, EmploymentStatus, PositionType, TimeZone, golongan_fits
from shared.nip import InvalidNip, nip_disagreements, parse_nip


def _known_golongan(value: str) -> str:
    if value not in GOLONGAN and value not in PPPK_GOLONGAN:
        raise ValueError(f"unknown golongan {value!r}; expected one of {', '.join(GOLONGAN)} (PNS) "
                         f"or {', '.join(PPPK_GOLONGAN)} (PPPK)")
    return value


Golongan = Annotated[str, AfterValidator(_known_golongan),
                     Field(description="PNS: one of " + ", ".join(GOLONGAN) + "; PPPK: I–XVII")]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: str = Field(description="18 digits: birth date, TMT CPNS, sex, sequence", examples=["198609262015051001"])
    agency_id: str = Field(min_length=1, max_length=64)
    unit_id: str | None = Field(default=None, max_length=64, description="a unit kerja of the agency")
    name: str = Field(min_length=1, max_length=200)
    sex: Literal["male", "female"]
    birth_date: date
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    employment_status: EmploymentStatus = EmploymentStatus.PNS
    position_type: PositionType | None = None
    golongan: Golongan | None = None

    @field_validator("nip")
    @classmethod
    def _valid_nip(cls, value: str) -> str:
        try:
            parse_nip(value, today=date.today())
        except InvalidNip as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _agrees_with_nip(self) -> "ProfileIn":
        nip = parse_nip(self.nip, today=date.today())
        disagreements = nip_disagreements(nip, birth_date=self.birth_date, sex=self.sex)
        if disagreements:
            raise ValueError("; ".join(disagreements))
        if self.golongan is not None and not golongan_fits(self.golongan, self.employment_status):
            raise ValueError(f"golongan {self.golongan} is not a {self.employment_status.upper()} golongan")
        return self


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    nip: str
    agency_id: str
    unit_id: str | None
    name: str
    sex: str
    birth_date: date
    email: str | None
    employment_status: str
    position_type: str | None
    position_code: str | None = None
    position_title: str | None = None
    golongan: str | None
    data_quality: float | None = Field(description="Indeks Kualitas Data, 0–100")
    created_at: datetime
    updated_at: datetime


class FailedCheck(BaseModel):
    dimension: str
    check: str
    message: str


class DataQualityOut(BaseModel):
    nip: str
    score: float | None
    failed_checks: list[FailedCheck]


class UnitQuality(BaseModel):
    unit_id: str | None
    asn_count: int
    average: float | None


class AgencyQuality(BaseModel):
    agency_id: str
    asn_count: int
    average: float | None
    units: list[UnitQuality]


CodeField = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", examples=["kab-sleman"])


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = CodeField
    name: str = Field(min_length=1, max_length=200, examples=["Pemerintah Kabupaten Sleman"])
    kind: AgencyKind
    time_zone: TimeZone


class AgencyOut(AgencyIn):
    model_config = ConfigDict(from_attributes=True)

    created_at: datetime


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = CodeField
    name: str = Field(min_length=1, max_length=200, examples=["Badan Kepegawaian dan Pengembangan SDM"])
    parent_id: str | None = None


class UnitOut(UnitIn):
    model_config = ConfigDict(from_attributes=True)

    agency_id: str
    created_at: datetime


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position_type: PositionType
    title: str = Field(min_length=1, max_length=200, examples=["Kepala Bidang Pengembangan Kompetensi"])
    code: str | None = Field(default=None, max_length=64, examples=["kab-demo.kabid-pengkom"],
                             description="the agency's code of the position, which competency standards refer to")
    unit_id: str | None = Field(default=None, max_length=64)
    start_date: date = Field(description="TMT jabatan: the date the position took effect")


class PositionOut(PositionIn):
    model_config = ConfigDict(from_attributes=True)

    recorded_by: str
    recorded_at: datetime


class RankIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    golongan: Golongan
    tmt: date = Field(description="TMT pangkat: the date the rank took effect")


class RankOut(RankIn):
    model_config = ConfigDict(from_attributes=True)

    recorded_by: str
    recorded_at: datetime


class ProfilePatch(BaseModel):
    """Contact and name; position and rank change through their effective-dated history instead."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class PortfolioItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    data: dict[str, object]
    recorded_by: str
    recorded_at: datetime


class PortfolioOut(BaseModel):
    nip: str
    items: list[PortfolioItemOut]
    training_hours_by_year: dict[int, int] = Field(description="JP per year; the rule asks at least 20")
