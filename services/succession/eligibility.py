"""Eligibility rules for a target position (domain.md §5), as agency data: pure evaluation, no I/O.

A rule set is a JSON object; every key is optional, an unknown key is an error (so a policy that names
a threshold this code does not know is refused, never silently ignored):

    {"min_education": "S1",                       # highest education at least this level
     "min_years_in_positions": 5,                 # years in any position (sum of the position history)
     "years_at_level": {"position_types": ["administrator", "fungsional_ahli_madya"], "years": 2},
     "max_age": 56,                               # age on the day of evaluation at most this
     "min_skp_rating": {"rating": "baik", "years": 2}}   # each of the last N yearly ratings at least this

A rule whose facts are missing (no education recorded, no position history) is *unmet* with the reason
"unknown: …": missing data never makes a candidate look eligible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

EDUCATION_ORDER = ("SD", "SMP", "SMA", "D-I", "D-II", "D-III", "D-IV", "S2", "S3")
EDUCATION_RANK = {level: rank for rank, level in enumerate(EDUCATION_ORDER)} | {"S1": EDUCATION_ORDER.index("D-IV")}
RATING_RANK = {"sangat_kurang": 1, "kurang": 2, "butuh_perbaikan": 3, "baik": 4, "sangat_baik": 5}
RULE_KEYS = ("min_education", "min_years_in_positions", "years_at_level", "max_age", "min_skp_rating")
AGE_LIMIT_RULE = "max_age"


class InvalidRules(ValueError):
    """The rule set names an unknown rule or an invalid threshold; `field` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Spell:
    position_type: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Facts:
    birth_date: date | None = None
    education_level: str | None = None
    positions: tuple[Spell, ...] | None = None  # None: the profile sent no history
    ratings: Mapping[int, str] | None = None  # SKP rating per year


@dataclass(frozen=True)
class RuleResult:
    rule: str
    met: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "met": self.met, "detail": self.detail}


def validate(rules: Mapping[str, Any]) -> dict[str, Any]:
    """The rule set, checked: every key known, every threshold well-formed."""
    for key in rules:
        if key not in RULE_KEYS:
            raise InvalidRules(f"rules.{key}", f"unknown rule; known: {', '.join(RULE_KEYS)}")
    if "min_education" in rules and rules["min_education"] not in EDUCATION_RANK:
        raise InvalidRules("rules.min_education", f"one of {', '.join(EDUCATION_RANK)}")
    for key in ("min_years_in_positions", "max_age"):
        if key in rules and not (isinstance(rules[key], int | float) and 0 <= rules[key] <= 80):
            raise InvalidRules(f"rules.{key}", "a number from 0 to 80")
    if "years_at_level" in rules:
        spec = rules["years_at_level"]
        if not (isinstance(spec, dict) and isinstance(spec.get("position_types"), list) and spec["position_types"]
                and isinstance(spec.get("years"), int | float) and set(spec) == {"position_types", "years"}):
            raise InvalidRules("rules.years_at_level", "needs position_types (a non-empty list) and years")
    if "min_skp_rating" in rules:
        spec = rules["min_skp_rating"]
        if not (isinstance(spec, dict) and spec.get("rating") in RATING_RANK and isinstance(spec.get("years"), int)
                and 1 <= spec["years"] <= 5 and set(spec) == {"rating", "years"}):
            raise InvalidRules("rules.min_skp_rating", f"needs rating (one of {', '.join(RATING_RANK)}) and years 1–5")
    return dict(rules)


def _years_between(start: date, end: date) -> float:
    return (end - start).days / 365.25


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_in(spells: Sequence[Spell], as_of: date, types: set[str] | None = None) -> float:
    return sum(_years_between(s.start, min(s.end or as_of, as_of)) for s in spells
               if s.start <= as_of and (types is None or s.position_type in types))


def evaluate(rules: Mapping[str, Any], facts: Facts, *, as_of: date) -> list[RuleResult]:
    """Every rule of the set, met or not, with what was found."""
    results = []
    if "min_education" in rules:
        need = rules["min_education"]
        if facts.education_level is None:
            results.append(RuleResult("min_education", False, f"unknown: no education recorded (needs {need})"))
        else:
            ok = EDUCATION_RANK.get(facts.education_level, -1) >= EDUCATION_RANK[need]
            results.append(RuleResult("min_education", ok, f"{facts.education_level}, needs at least {need}"))
    if "min_years_in_positions" in rules or "years_at_level" in rules:
        results.extend(_position_rules(rules, facts, as_of))
    if "max_age" in rules:
        limit = rules["max_age"]
        if facts.birth_date is None:
            results.append(RuleResult("max_age", False, f"unknown: no birth date (limit {limit})"))
        else:
            age = _age(facts.birth_date, as_of)
            results.append(RuleResult("max_age", age <= limit, f"age {age}, limit {limit}"))
    if "min_skp_rating" in rules:
        results.append(_skp_rule(rules["min_skp_rating"], facts, as_of))
    return results


def _position_rules(rules: Mapping[str, Any], facts: Facts, as_of: date) -> list[RuleResult]:
    results = []
    if "min_years_in_positions" in rules:
        need = rules["min_years_in_positions"]
        if facts.positions is None:
            results.append(RuleResult("min_years_in_positions", False, f"unknown: no position history (needs {need} years)"))
        else:
            years = _years_in(facts.positions, as_of)
            results.append(RuleResult("min_years_in_positions", years >= need,
                                      f"{years:.1f} years in positions, needs {need}"))
    if "years_at_level" in rules:
        spec = rules["years_at_level"]
        types, need = set(spec["position_types"]), spec["years"]
        label = " or ".join(spec["position_types"])
        if facts.positions is None:
            results.append(RuleResult("years_at_level", False, f"unknown: no position history (needs {need} years as {label})"))
        else:
            years = _years_in(facts.positions, as_of, types)
            results.append(RuleResult("years_at_level", years >= need, f"{years:.1f} years as {label}, needs {need}"))
    return results


def _skp_rule(spec: Mapping[str, Any], facts: Facts, as_of: date) -> RuleResult:
    need, span = spec["rating"], spec["years"]
    years = [as_of.year - offset for offset in range(1, span + 1)]  # the last N completed SKP years
    ratings = facts.ratings or {}
    missing = [y for y in years if y not in ratings]
    if missing:
        return RuleResult("min_skp_rating", False, f"unknown: no SKP rating for {', '.join(map(str, missing))} "
                          f"(needs at least {need} in each of the last {span} years)")
    low = [f"{y}: {ratings[y]}" for y in years if RATING_RANK[ratings[y]] < RATING_RANK[need]]
    detail = f"SKP {', '.join(f'{y}: {ratings[y]}' for y in years)}; needs at least {need}"
    return RuleResult("min_skp_rating", not low, detail)
