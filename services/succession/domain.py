"""The nine-box grid (PermenPANRB 3/2020, domain.md §4): axis levels → box, with reasons. Pure rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from services.succession.eligibility import AGE_LIMIT_RULE, RuleResult
from shared.events.vocabulary import PerformanceLevel as Perf
from shared.events.vocabulary import PotentialLevel as Pot

NINE_BOX: Mapping[tuple[Perf, Pot], int] = {
    (Perf.DI_ATAS_EKSPEKTASI, Pot.RENDAH): 4,
    (Perf.DI_ATAS_EKSPEKTASI, Pot.MENENGAH): 7,
    (Perf.DI_ATAS_EKSPEKTASI, Pot.TINGGI): 9,
    (Perf.SESUAI_EKSPEKTASI, Pot.RENDAH): 2,
    (Perf.SESUAI_EKSPEKTASI, Pot.MENENGAH): 5,
    (Perf.SESUAI_EKSPEKTASI, Pot.TINGGI): 8,
    (Perf.DI_BAWAH_EKSPEKTASI, Pot.RENDAH): 1,
    (Perf.DI_BAWAH_EKSPEKTASI, Pot.MENENGAH): 3,
    (Perf.DI_BAWAH_EKSPEKTASI, Pot.TINGGI): 6,
}

# Follow-up per box (rekomendasi), domain.md §4.
RECOMMENDATIONS: Mapping[int, tuple[str, ...]] = {
    9: ("promote and retain", "agency and national succession group", "award"),
    8: ("retain", "agency succession group", "rotation / job enlargement", "performance coaching"),
    7: ("retain", "agency succession group", "rotation / job enrichment", "competency development",
        "study assignment"),
    6: ("fitting placement", "performance coaching", "performance counselling"),
    5: ("fitting placement", "performance coaching", "competency development"),
    4: ("rotation", "competency development"),
    3: ("performance coaching", "performance counselling", "competency development", "fitting placement"),
    2: ("performance coaching", "competency development", "fitting placement"),
    1: ("handled under the disciplinary / performance rules",),
}


@dataclass(frozen=True)
class Axes:
    """The latest inputs known for one ASN."""

    performance_level: Perf | None = None
    performance_year: int | None = None
    potential_level: Pot | None = None
    jpm: float | None = None
    potential_valid_until: date | None = None


@dataclass(frozen=True)
class Placement:
    box: int | None
    reasons: tuple[str, ...]

    @property
    def recommendations(self) -> tuple[str, ...]:
        return RECOMMENDATIONS[self.box] if self.box else ()


def box_for(performance: Perf, potential: Pot) -> int:
    return NINE_BOX[(performance, potential)]


def place(axes: Axes, *, as_of: date) -> Placement:
    """Place an ASN in a box, or leave them unmapped with the reasons why.

    `as_of` is the date of the event being processed (not the wall clock), so replaying the same
    events gives the same placements."""
    missing = []
    if axes.performance_level is None:
        missing.append("unmapped: no SKP performance rating")
    if axes.potential_level is None:
        missing.append("unmapped: no competency assessment")
    elif axes.potential_valid_until is not None and axes.potential_valid_until < as_of:
        missing.append(f"unmapped: the assessment expired on {axes.potential_valid_until.isoformat()}")
    if missing:
        return Placement(None, tuple(missing))
    assert axes.performance_level is not None and axes.potential_level is not None
    box = box_for(axes.performance_level, axes.potential_level)
    return Placement(box, (
        f"kinerja {axes.performance_level.value} (SKP {axes.performance_year})",
        f"potensial {axes.potential_level.value} (JPM {axes.jpm})",
    ))


# Talent pools (domain.md §5): boxes 7–9 form the agency succession group, box 9 also the national one.
AGENCY_POOL_BOXES = frozenset({7, 8, 9})
NATIONAL_POOL_BOXES = frozenset({9})
SCREENING_YEARS = 2
SCREENING_LEVELS = frozenset({"sedang", "berat"})


@dataclass(frozen=True)
class PenaltyRecord:
    level: str
    starts_on: date
    ends_on: date | None


def screened_out(penalties: list[PenaltyRecord], *, as_of: date) -> str | None:
    """Why a candidate is screened out, or None: a medium or severe penalty received or being served
    in the two years up to `as_of`."""
    window_start = _years_before(as_of, SCREENING_YEARS)
    for penalty in sorted(penalties, key=lambda p: p.starts_on, reverse=True):
        if penalty.level not in SCREENING_LEVELS or penalty.starts_on > as_of:
            continue
        if penalty.ends_on is None or penalty.ends_on >= window_start:
            until = f"until {penalty.ends_on.isoformat()}" if penalty.ends_on else "still being served"
            return (f"hukuman disiplin {penalty.level} from {penalty.starts_on.isoformat()} ({until}) "
                    f"within the last {SCREENING_YEARS} years")
    return None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# Reports (domain.md §4): where people stand on a date, and how they moved between two dates.
@dataclass(frozen=True)
class Placed:
    box: int | None
    placed_at: datetime


def box_on(history: list[Placed], when: datetime) -> int | None | Literal["not yet placed"]:
    """The box an ASN was in at `when` (None: unmapped); "not yet placed" before their first placement."""
    current: Placed | None = None
    for placed in sorted(history, key=lambda p: p.placed_at):
        if placed.placed_at > when:
            break
        current = placed
    return "not yet placed" if current is None else current.box


@dataclass(frozen=True)
class Movement:
    naik_kelas: int  # moved to a higher box
    turun: int  # moved to a lower box
    tetap: int  # stayed in the same box
    newly_mapped: int  # unmapped or not yet placed at the start, in a box at the end
    transitions: dict[tuple[int | None, int | None], int]


def movement(histories: list[list[Placed]], start: datetime, end: datetime) -> Movement:
    up = down = same = new = 0
    transitions: dict[tuple[int | None, int | None], int] = {}
    for history in histories:
        before, after = box_on(history, start), box_on(history, end)
        if after == "not yet placed":
            continue
        before_box = None if before == "not yet placed" else before
        transitions[(before_box, after)] = transitions.get((before_box, after), 0) + 1
        if before_box is None:
            new += after is not None
        elif after is not None:
            up += after > before_box
            down += after < before_box
            same += after == before_box
    return Movement(up, down, same, new, transitions)


# Succession plans (domain.md §5): candidates for a key position, ranked by an explainable score.
class Readiness(StrEnum):
    READY_NOW = "siap_sekarang"
    ONE_TO_TWO_YEARS = "siap_1_2_tahun"
    FUTURE = "potensi_masa_depan"
    NOT_A_CANDIDATE = "bukan_kandidat"


BOX_POINTS = {9: 50, 8: 40, 7: 35}  # [default] weight of the box in the ranking score
READY_NOW_FIT = 90.0  # [default] job fit to the target position for "ready now" (box 8–9)
SOON_FIT = 78.0  # [default] job fit for "ready in 1–2 years"


def job_fit(achieved: Mapping[str, int], standard: Mapping[str, int]) -> float:
    """Fit to the *target* position: 100 × Σ min(achieved, required) ÷ Σ required over its standard."""
    required = sum(standard.values())
    if required == 0:
        return 0.0
    return round(100 * sum(min(achieved.get(c, 0), level) for c, level in standard.items()) / required, 2)


@dataclass(frozen=True)
class Candidacy:
    score: float
    readiness: Readiness
    reasons: tuple[str, ...]


def assess_candidate(box: int, achieved: Mapping[str, int], standard: Mapping[str, int],
                     screened_reason: str | None, eligibility: Sequence[RuleResult] = ()) -> Candidacy:
    """Readiness from box, job fit and eligibility: over the age limit or screened out → not a
    candidate; any other unmet rule → at best ready in 1–2 years (the rule can still be met)."""
    fit = job_fit(achieved, standard)
    gaps = sorted(c for c, level in standard.items() if achieved.get(c, 0) < level)
    reasons = [f"box {box}", f"job fit {fit:g}% to the position's standard"]
    if gaps:
        reasons.append("below standard in: " + ", ".join(gaps))
    unmet = [r for r in eligibility if not r.met]
    reasons.extend(f"not eligible: {r.rule} ({r.detail})" for r in unmet)
    if screened_reason:
        return Candidacy(0.0, Readiness.NOT_A_CANDIDATE, (*reasons, f"screened out: {screened_reason}"))
    if any(r.rule == AGE_LIMIT_RULE for r in unmet):
        return Candidacy(0.0, Readiness.NOT_A_CANDIDATE, tuple(reasons))
    if box >= 8 and fit >= READY_NOW_FIT and not unmet:
        readiness = Readiness.READY_NOW
    elif fit >= SOON_FIT:
        readiness = Readiness.ONE_TO_TWO_YEARS
    else:
        readiness = Readiness.FUTURE
    if eligibility and not unmet:
        reasons.append("meets every eligibility rule")
    return Candidacy(round(BOX_POINTS.get(box, 0) + fit / 2, 2), readiness, tuple(reasons))


# Risk: an incumbent nearing retirement (domain.md §5; ages [default, configurable]).
JPT_TYPES = frozenset({"jpt_utama", "jpt_madya", "jpt_pratama"})


def retirement_date(birth_date: date, position_type: str | None, *, age: int, jpt_age: int) -> date:
    """The day the ASN reaches the retirement age of their position (JPT: `jpt_age`, others: `age`)."""
    years = jpt_age if position_type in JPT_TYPES else age
    return _years_before(birth_date, -years)


def retiring_within(retires_on: date, as_of: date, months: int) -> bool:
    """True when `retires_on` falls within `months` months after `as_of` (or has already passed)."""
    month = as_of.month - 1 + months
    year, month = as_of.year + month // 12, month % 12 + 1
    try:
        horizon = as_of.replace(year=year, month=month)
    except ValueError:
        horizon = date(year, month, 28)
    return retires_on <= horizon


# Plan states (domain.md §5): draft → reviewed by the committee → set by the head of agency (PPK).
PLAN_TRANSITIONS: Mapping[tuple[str, str], str] = {("draft", "review_plan"): "reviewed", ("reviewed", "set_plan"): "set"}


def plan_transition(state: str, action: str) -> str | None:
    """The state a plan moves to when `action` (review_plan, set_plan) is decided; None if illegal."""
    return PLAN_TRANSITIONS.get((state, action))


def reopened(state: str) -> str | None:
    """A reviewed or set plan whose candidates changed (one entered, left, or changed readiness) goes
    back to draft: the committee reviews and the head of agency sets it again. None when already draft."""
    return "draft" if state != "draft" else None
