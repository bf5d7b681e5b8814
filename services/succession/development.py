"""Individual development plans (IDP, domain.md §4 and §6): pure rules, no I/O.

After each placement an ASN gets interventions that follow from their box, split 70 / 20 / 10
(learning on the job / social learning / formal training), aimed at the competencies where the
assessment fell short of the standard; training hours are tracked against the ≥ 20 JP a year rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MIN_JP_PER_YEAR = 20  # [reg] every PNS should reach at least 20 JP of training a year


class Category(StrEnum):
    ON_THE_JOB = "on_the_job"  # 70 %: assignments, rotation, job enrichment/enlargement, projects
    SOCIAL = "social"  # 20 %: coaching and mentoring, mostly by the direct superior
    FORMAL = "formal"  # 10 %: diklat, study assignment


SPLIT: Mapping[Category, int] = {Category.ON_THE_JOB: 70, Category.SOCIAL: 20, Category.FORMAL: 10}

# What each box's follow-up (domain.md §4) means in each of the three categories.
BOX_ACTIVITIES: Mapping[int, Mapping[Category, tuple[str, ...]]] = {
    9: {Category.ON_THE_JOB: ("acting assignment in a higher position", "lead a strategic project"),
        Category.SOCIAL: ("mentoring by a senior executive",), Category.FORMAL: ("leadership training (PKN)",)},
    8: {Category.ON_THE_JOB: ("job enlargement", "rotation to a critical unit"),
        Category.SOCIAL: ("performance coaching by the superior",), Category.FORMAL: ("leadership training",)},
    7: {Category.ON_THE_JOB: ("job enrichment", "rotation"),
        Category.SOCIAL: ("coaching on results by the superior",), Category.FORMAL: ("study assignment or diklat",)},
    6: {Category.ON_THE_JOB: ("fitting placement with clear targets",),
        Category.SOCIAL: ("performance coaching", "performance counselling"), Category.FORMAL: ("technical diklat",)},
    5: {Category.ON_THE_JOB: ("stretch assignment in the current post", "cross-unit project"),
        Category.SOCIAL: ("performance coaching by the superior",), Category.FORMAL: ("competency diklat",)},
    4: {Category.ON_THE_JOB: ("rotation to a post that uses their strengths",),
        Category.SOCIAL: ("mentoring on competencies",), Category.FORMAL: ("competency diklat",)},
    3: {Category.ON_THE_JOB: ("fitting placement with close supervision",),
        Category.SOCIAL: ("performance coaching", "performance counselling"), Category.FORMAL: ("competency diklat",)},
    2: {Category.ON_THE_JOB: ("fitting placement with clear targets",),
        Category.SOCIAL: ("performance coaching",), Category.FORMAL: ("competency diklat",)},
    1: {Category.ON_THE_JOB: ("performance improvement plan under the disciplinary / performance rules",),
        Category.SOCIAL: ("counselling by the superior",), Category.FORMAL: ("basic technical diklat",)},
}


@dataclass(frozen=True)
class Intervention:
    id: str
    category: Category
    share: float  # percent of the plan's effort; the shares of one category add up to its 70/20/10
    activity: str
    competency: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "category": self.category.value, "share": self.share, "activity": self.activity,
                "competency": self.competency, "status": "planned", "note": None}


def below_standard(gaps: Sequence[Mapping[str, Any]]) -> list[str]:
    """Competencies where the achieved level is under the required one, largest gap first."""
    short = [(int(g["required"]) - int(g["achieved"]), str(g["competency"])) for g in gaps
             if int(g["achieved"]) < int(g["required"])]
    return [name for _, name in sorted(short, key=lambda item: (-item[0], item[1]))]


def plan_for(box: int, gaps: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[Intervention]]:
    """The target competencies and the interventions for a placement in `box`.

    Each of the box's activities is aimed at a competency below standard (round robin, largest gap
    first); with no gap the activities stand alone. Shares within a category are equal."""
    targets = below_standard(gaps)
    interventions: list[Intervention] = []
    n = 0
    for category, activities in BOX_ACTIVITIES[box].items():
        share = round(SPLIT[category] / len(activities), 2)
        for activity in activities:
            competency = targets[n % len(targets)] if targets else None
            n += 1
            interventions.append(Intervention(f"i{n}", category, share, activity, competency))
    return targets, interventions


def split_of(interventions: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The effort per category, in percent."""
    totals = {category.value: 0.0 for category in Category}
    for item in interventions:
        totals[str(item["category"])] += float(item["share"])
    return {category: round(total) for category, total in totals.items()}


@dataclass(frozen=True)
class TrainingProgress:
    year: int
    hours: int
    required: int
    met: bool
    remaining: int


def training_progress(hours_by_year: Mapping[int, int], year: int) -> TrainingProgress:
    hours = hours_by_year.get(year, 0)
    return TrainingProgress(year, hours, MIN_JP_PER_YEAR, hours >= MIN_JP_PER_YEAR, max(0, MIN_JP_PER_YEAR - hours))
