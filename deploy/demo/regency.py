"""A synthetic regency (kabupaten) for the demo and the benchmark: pure and seeded, no I/O.

About 700 ASN with valid NIPs (birth date, TMT CPNS at least 18 years later, sex, sequence), units,
position types and ranks, two years of SKP ratings with a realistic spread (most *Baik*), one competency
assessment each against their position's standard (achieved levels scattered around the standard),
education and training hours, a dozen key positions, and a talent committee. `events_for` turns a
person into the events the profile and assessment services would publish (for the benchmark, which
feeds Kafka directly)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.assessment import domain as assessment
from shared.events.schemas import AssessmentCompleted, CompetencyGap, PerformanceRated, ProfileRegistered
from shared.events.vocabulary import Rating
from shared.nip import parse_nip

COMPETENCIES = ("Integritas", "Kerjasama", "Komunikasi", "Orientasi pada Hasil", "Pelayanan Publik",
                "Pengembangan Diri dan Orang Lain", "Mengelola Perubahan", "Pengambilan Keputusan", "Perekat Bangsa")
# SKP ratings across the civil service: most are Baik; a few excel, a few fall short.
RATING_WEIGHTS = {Rating.SANGAT_BAIK: 0.08, Rating.BAIK: 0.78, Rating.BUTUH_PERBAIKAN: 0.09, Rating.KURANG: 0.04,
                  Rating.SANGAT_KURANG: 0.01}
# (position type, golongan, share of the workforce, required level of each managerial competency)
LEVELS = (("jpt_pratama", "IV/c", 0.02, 4), ("administrator", "IV/a", 0.06, 4), ("pengawas", "III/d", 0.14, 3),
          ("fungsional", "III/c", 0.38, 3), ("pelaksana", "II/c", 0.40, 2))
UNITS = ("setda", "bkpsdm", "bappeda", "dinkes", "disdik", "dpupr", "dinsos", "dishub", "bpkad", "inspektorat")
FIRST = ("Budi", "Siti", "Agus", "Dewi", "Eko", "Rina", "Hendra", "Wulan", "Joko", "Sri", "Andi", "Nur", "Bayu",
         "Lestari", "Dedi", "Fitri", "Rizki", "Ayu", "Yusuf", "Maya")
LAST = ("Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kusuma", "Pratama", "Nugroho", "Siregar", "Harahap",
        "Pangaribuan", "Sitompul", "Rahman", "Syahputra", "Manurung")


@dataclass(frozen=True)
class Person:
    nip: str
    name: str
    sex: str
    birth_date: date
    unit_id: str
    position_type: str
    golongan: str
    education: str
    ratings: dict[int, Rating]
    assessed_on: date
    competencies: list[tuple[str, int, int]]  # (competency, required, achieved)
    training_hours: int


@dataclass(frozen=True)
class KeyPositionSpec:
    id: str
    title: str
    position_type: str
    standard: dict[str, int]
    incumbent_nip: str | None


@dataclass
class Regency:
    agency_id: str
    name: str
    units: tuple[str, ...]
    people: list[Person]
    key_positions: list[KeyPositionSpec] = field(default_factory=list)
    committee: list[tuple[str, str, str]] = field(default_factory=list)  # (subject, name, role)


BIRTH_DAYS = 12_775  # birth dates 1966-01-01 … 2000-12-22: one per day
STRIDE = 7_919  # a prime coprime with BIRTH_DAYS, so consecutive indexes spread over the birth dates


def make_nip(index: int, rng: random.Random, today: date) -> tuple[str, date, str]:
    """The NIP of person number `index` (unique per index, up to 999 × 12,775 people): birth date from
    the index, TMT CPNS between the 19th and 35th birthday and not in the future, random sex."""
    birth = date(1966, 1, 1) + timedelta(days=(index * STRIDE) % BIRTH_DAYS)
    sequence = index // BIRTH_DAYS + 1
    tmt_year = min(birth.year + rng.randint(19, 35), today.year - 1)
    sex = rng.choice("12")
    nip = f"{birth:%Y%m%d}{tmt_year:04d}{rng.randint(1, 12):02d}{sex}{sequence:03d}"
    parse_nip(nip, today=today)  # raises if this code ever makes an invalid one
    return nip, birth, "male" if sex == "1" else "female"


def person(index: int, rng: random.Random, today: date) -> Person:
    """Person number `index`: a level drawn by the workforce shares, a unit, ratings, an assessment."""
    level = rng.choices(LEVELS, weights=[share for _, _, share, _ in LEVELS])[0]
    position_type, golongan, _, required = level
    unit = rng.choice(UNITS)
    nip, birth, sex = make_nip(index, rng, today)
    talent = rng.gauss(0, 1)  # one latent trait, so good ratings and good assessments go together a little
    ratings = {}
    for year in (today.year - 2, today.year - 1):
        weights = dict(RATING_WEIGHTS)
        if talent > 1.0:
            weights[Rating.SANGAT_BAIK] *= 2.5
        ratings[year] = rng.choices(list(weights), weights=list(weights.values()))[0]
    competencies = []
    for competency in rng.sample(COMPETENCIES, 6):
        achieved = round(required - 0.6 + 0.5 * talent + rng.gauss(0, 0.55))
        competencies.append((competency, required, max(1, min(5, achieved))))
    return Person(
        nip=nip, name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", sex=sex, birth_date=birth, unit_id=unit,
        position_type=position_type, golongan=golongan,
        education=rng.choice(("S1", "S1", "S2", "D-IV", "D-III", "SMA")) if position_type in {"pelaksana", "fungsional"}
        else rng.choice(("S1", "S2", "S2", "S3")),
        ratings=ratings, assessed_on=today - timedelta(days=rng.randint(30, 700)), competencies=competencies,
        training_hours=max(0, round(rng.gauss(22, 10))),
    )


def generate(size: int = 700, *, seed: int = 2026, agency_id: str = "kab-demo", today: date | None = None) -> Regency:
    today = today or date.today()
    rng = random.Random(seed)
    people = list(stream(size, seed=seed, today=today))
    regency = Regency(agency_id, "Kabupaten Demo", UNITS, people)
    heads = sorted((p for p in people if p.position_type in {"jpt_pratama", "administrator"}), key=lambda p: p.birth_date)
    for i, unit in enumerate(UNITS[:12]):
        kind = "jpt_pratama" if i < 4 else "administrator"
        standard = {c: 4 if kind == "jpt_pratama" else 3 for c in rng.sample(COMPETENCIES, 5)}
        incumbent = heads[i].nip if i < len(heads) and i % 5 != 4 else None  # every fifth is vacant
        regency.key_positions.append(KeyPositionSpec(f"kepala-{unit}", f"Kepala {unit.upper()}", kind, standard, incumbent))
    for j, unit in enumerate(("ppk", "dpmptsp")):
        regency.key_positions.append(KeyPositionSpec(f"sekretaris-{unit}-{j}", f"Sekretaris {unit.upper()}",
                                                     "administrator", {c: 3 for c in COMPETENCIES[:4]}, None))
    regency.committee = [("sekda", "Sekretaris Daerah", "chair"), ("kepala-bkpsdm", "Kepala BKPSDM", "secretary"),
                         ("inspektur", "Inspektur", "member"), ("bupati", "Bupati", "ppk")]
    return regency


def stream(count: int, *, seed: int = 2026, today: date | None = None, start: int = 0) -> Iterator[Person]:
    """People number `start` … `start + count - 1`, one at a time (memory stays flat for a million)."""
    today = today or date.today()
    rng = random.Random(seed)
    for index in range(start, start + count):
        yield person(index, rng, today)


def events_for(person: Person, agency_id: str) -> Iterator[ProfileRegistered | PerformanceRated | AssessmentCompleted]:
    """The events the profile and assessment services publish for this person (default policy)."""
    yield ProfileRegistered(nip=person.nip, agency_id=agency_id, unit_id=person.unit_id, name=person.name, sex=person.sex,  # type: ignore[arg-type]
                            birth_date=person.birth_date, position_type=person.position_type, golongan=person.golongan)
    for year in sorted(person.ratings):
        result = assessment.performance_level({y: r for y, r in person.ratings.items() if y <= year})
        assert result is not None
        yield PerformanceRated(nip=person.nip, agency_id=agency_id, year=year, rating=person.ratings[year],
                               performance_level=result.level, years_considered=result.years_considered,
                               policy_version=assessment.DEFAULT_POLICY.version)
    scores = [assessment.CompetencyScore(c, r, a) for c, r, a in person.competencies]
    jpm = assessment.job_person_match(scores)
    yield AssessmentCompleted(
        nip=person.nip, agency_id=agency_id, assessment_id=f"demo-{person.nip}", assessed_on=person.assessed_on,
        method="cact", jpm=jpm, potential_level=assessment.potential_level(jpm),
        valid_until=assessment.valid_until(person.assessed_on),
        gaps=[CompetencyGap(competency=s.competency, required=s.required, achieved=s.achieved, gap=s.gap) for s in scores],
        policy_version=assessment.DEFAULT_POLICY.version)
