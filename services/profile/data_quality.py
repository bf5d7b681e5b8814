"""Indeks Kualitas Data per ASN (domain.md §2, [default] policy): four dimensions — completeness,
timeliness, accuracy, consistency — each scored from explicit checks; the index is their mean, 0–100.
Every failed check is listed so the ASN knows what to fix. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple
from datetime import date, datetime, timedelta

from services.profile.domain import golongan_fits
from shared.nip import InvalidNip, nip_disagreements, parse_nip

POLICY_VERSION = "dq-default-2"
STALE_AFTER = timedelta(days=365)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ProfileFacts(NamedTuple):  # NamedTuples: cheap to build, a bulk import makes a million
    """What the checks look at, gathered from the profile and its history."""

    nip: str
    name: str
    sex: str
    birth_date: date
    email: str | None
    unit_id: str | None
    position_type: str | None
    golongan: str | None
    employment_status: str = "pns"
    positions_start: Sequence[date] = ()
    ranks_tmt: Sequence[date] = ()
    portfolio_kinds: frozenset[str] = frozenset()
    last_updated: datetime | None = None


class Check(NamedTuple):
    dimension: str
    code: str
    passed: bool
    message: str  # what to fix, shown to the ASN when the check fails


class DataQuality(NamedTuple):
    score: float
    dimensions: dict[str, float]
    failed: list[Check]


DIMENSIONS = ("completeness", "timeliness", "accuracy", "consistency")


def checks(facts: ProfileFacts, *, now: datetime) -> list[Check]:
    try:
        nip = parse_nip(facts.nip, today=now.date())
    except InvalidNip:
        nip = None
    disagreements = nip_disagreements(nip, birth_date=facts.birth_date, sex=facts.sex) if nip else []  # type: ignore[arg-type]
    first_position = min(facts.positions_start, default=None)
    tmt_cpns = date(nip.tmt_year, nip.tmt_month, 1) if nip else None
    return [
        Check("completeness", "email", bool(facts.email), "add an email address for notifications"),
        Check("completeness", "unit", facts.unit_id is not None, "record the work unit (unit kerja)"),
        Check("completeness", "position_history", bool(facts.positions_start), "record your position history"),
        Check("completeness", "rank_history", bool(facts.ranks_tmt), "record your rank (golongan) history"),
        Check("completeness", "education", "education" in facts.portfolio_kinds, "record your education"),
        Check("completeness", "training", "training" in facts.portfolio_kinds, "record your training (diklat)"),
        Check("timeliness", "updated_within_12_months",
              facts.last_updated is not None and now - facts.last_updated <= STALE_AFTER,
              "review and confirm your data: it was last updated more than 12 months ago"),
        Check("accuracy", "nip_valid", nip is not None, "the NIP is not a valid NIP"),
        Check("accuracy", "email_valid", facts.email is None or bool(EMAIL.match(facts.email)),
              "the email address is not valid"),
        Check("accuracy", "golongan_valid",
              facts.golongan is None or golongan_fits(facts.golongan, facts.employment_status),
              "the golongan does not exist for this employment status (PNS: I/a–IV/e, PPPK: I–XVII)"),
        Check("consistency", "nip_matches_birth_date_and_sex", not disagreements,
              "; ".join(disagreements) or "birth date and sex agree with the NIP"),
        Check("consistency", "first_position_after_tmt_cpns",
              first_position is None or tmt_cpns is None or first_position >= tmt_cpns,
              "the first position starts before the TMT CPNS in the NIP"),
    ]


def assess(facts: ProfileFacts, *, now: datetime) -> DataQuality:
    results = checks(facts, now=now)
    passed, total = dict.fromkeys(DIMENSIONS, 0), dict.fromkeys(DIMENSIONS, 0)
    for check in results:
        total[check.dimension] += 1
        passed[check.dimension] += check.passed
    dimensions = {d: round(100 * passed[d] / total[d], 2) for d in DIMENSIONS}
    score = round(sum(dimensions.values()) / len(DIMENSIONS), 2)
    return DataQuality(score, dimensions, [c for c in results if not c.passed])
