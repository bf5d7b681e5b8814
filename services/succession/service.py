"""Succession use cases: keep each ASN's axes current and reclassify on every relevant event."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import domain, idps, parking
from services.succession.eligibility import EDUCATION_RANK
from services.succession.models import KnownAsn, PenaltyKnown, Placement, TalentAxes
from shared.db import among, bulk_insert
from shared.events import Envelope
from shared.events.schemas import (
    AssessmentCompleted,
    PerformanceRated,
    PortfolioChanged,
    ProfileSnapshot,
    TalentReclassified,
)
from shared.events.vocabulary import PerformanceLevel, PotentialLevel
from shared.outbox import Outbox


async def remember_profiles(session: AsyncSession, snapshots: Sequence[ProfileSnapshot]) -> list[KnownAsn]:
    """Keep the profile read model: one query for the whole run, then each snapshot in order."""
    known = {a.nip: a for a in (await session.scalars(
        select(KnownAsn).where(KnownAsn.nip.in_({s.nip for s in snapshots})))).all()}
    for snapshot in snapshots:
        asn = known.get(snapshot.nip)
        if asn is None:
            asn = known[snapshot.nip] = KnownAsn(nip=snapshot.nip, training_hours={})
            session.add(asn)
        asn.agency_id, asn.unit_id, asn.name = snapshot.agency_id, snapshot.unit_id, snapshot.name
        asn.birth_date, asn.position_type, asn.golongan = snapshot.birth_date, snapshot.position_type, snapshot.golongan
        asn.position_code = snapshot.position_code
        if snapshot.positions is not None:  # the position history, for the years-in-positions rules
            asn.positions = [spell.model_dump(mode="json", include={"position_type", "start_date", "end_date"})
                             for spell in snapshot.positions]
    return [known[s.nip] for s in snapshots]


AXES = cast(Table, TalentAxes.__table__)
PLACEMENTS = cast(Table, Placement.__table__)
_AXES_COLUMNS = tuple(AXES.c.keys())


@dataclass(frozen=True, slots=True)
class NewPlacement:
    """A placement made from an ASN's axes, written with the run's other placements in one statement
    (same columns as `Placement`; a committee calibration makes `Placement` rows itself)."""

    id: str
    nip: str
    agency_id: str
    box: int | None
    computed_box: int | None
    performance_level: str | None
    potential_level: str | None
    reasons: list[str]
    policy_versions: dict[str, str | None]
    cause_event_id: str
    placed_at: datetime
    sequence: int
    calibration_decision_id: str | None = None

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class _Current:
    """What the next placement needs of the current one."""

    box: int | None
    computed_box: int | None
    sequence: int


@dataclass
class _Run:
    """The axes (plain rows) and current placements of the ASN a run of events is about, loaded in one
    query; the events are then applied one after another in memory, exactly as one at a time would,
    and everything the run changed is written with a few set-based statements."""

    axes: dict[str, dict[str, Any]]
    current: dict[str, _Current]
    loaded: dict[str, dict[str, Any]]  # the axes as stored, to write only what changed
    new_nips: set[str] = field(default_factory=set)
    changed_nips: set[str] = field(default_factory=set)
    moves: list[tuple[_Current | None, NewPlacement, Envelope]] = field(default_factory=list)

    @classmethod
    async def load(cls, session: AsyncSession, nips: Collection[str]) -> _Run:
        """One query: the axes of `nips`, each with its current placement (a placement has axes behind it)."""
        latest = latest_placements(nips, session)
        rows = (await session.execute(
            select(AXES, PLACEMENTS.c.box.label("_box"), PLACEMENTS.c.computed_box.label("_computed_box"),
                   PLACEMENTS.c.sequence.label("_sequence"))
            .where(among(session, AXES.c.nip, nips))
            .outerjoin(latest, latest.c.nip == AXES.c.nip)
            .outerjoin(PLACEMENTS, (PLACEMENTS.c.nip == latest.c.nip) & (PLACEMENTS.c.sequence == latest.c.sequence))
        )).mappings().all()
        loaded = {row["nip"]: {column: row[column] for column in _AXES_COLUMNS} for row in rows}
        current = {row["nip"]: _Current(row["_box"], row["_computed_box"], row["_sequence"])
                   for row in rows if row["_sequence"] is not None}
        return cls({nip: dict(axes) for nip, axes in loaded.items()}, current, loaded)

    def axes_of(self, nip: str, agency_id: str) -> dict[str, Any]:
        axes = self.axes.get(nip)
        if axes is None:
            axes = self.axes[nip] = {column: None for column in _AXES_COLUMNS}
            axes.update(nip=nip, competencies={}, gaps=[], ratings={})
            self.new_nips.add(nip)
        axes["agency_id"] = agency_id
        self.changed_nips.add(nip)
        return axes

    def reclassify(self, axes: dict[str, Any], cause: Envelope) -> None:
        """Place the ASN from their axes; a new placement when the computed box changed. A committee
        calibration stands until the inputs move the computed box."""
        decision = domain.place(
            domain.Axes(
                performance_level=PerformanceLevel(axes["performance_level"]) if axes["performance_level"] else None,
                performance_year=axes["performance_year"],
                potential_level=PotentialLevel(axes["potential_level"]) if axes["potential_level"] else None,
                jpm=axes["jpm"],
                potential_valid_until=axes["potential_valid_until"],
            ),
            as_of=cause.occurred_at.date(),
        )
        nip = axes["nip"]
        current = self.current.get(nip)
        if current is not None and current.computed_box == decision.box:
            return
        placement = NewPlacement(
            id=str(uuid.uuid4()), nip=nip, agency_id=axes["agency_id"], box=decision.box, computed_box=decision.box,
            performance_level=axes["performance_level"], potential_level=axes["potential_level"],
            reasons=list(decision.reasons),
            policy_versions={"performance": axes["performance_policy"], "potential": axes["potential_policy"]},
            cause_event_id=str(cause.event_id), placed_at=cause.occurred_at,
            sequence=(current.sequence + 1) if current else 1,
        )
        self.current[nip] = _Current(placement.box, placement.computed_box, placement.sequence)
        self.moves.append((current, placement, cause))

    def _updates(self) -> dict[tuple[str, ...], list[str]]:
        """The stored ASN whose axes changed, grouped by which columns changed (a rating leaves the
        assessment's columns alone), so no unchanged JSON is written again."""
        groups: dict[tuple[str, ...], list[str]] = {}
        for nip in sorted(self.changed_nips - self.new_nips):
            axes, loaded = self.axes[nip], self.loaded[nip]
            columns = tuple(c for c in _AXES_COLUMNS if axes[c] != loaded[c])
            if columns:
                groups.setdefault(columns, []).append(nip)
        return groups

    async def record(self, session: AsyncSession, outbox: Outbox) -> list[NewPlacement]:
        """Write the axes and the new placements with their development plans, and publish
        `talent.reclassified` for each placement that moved a box."""
        await bulk_insert(session, AXES, [self.axes[nip] for nip in sorted(self.new_nips)])
        for columns, nips in self._updates().items():  # one executemany per set of changed columns
            await session.execute(update(AXES).where(AXES.c.nip == bindparam("_nip")),
                                  [{**{c: self.axes[nip][c] for c in columns}, "_nip": nip} for nip in nips])
        placements = [placement for _, placement, _ in self.moves]
        await bulk_insert(session, PLACEMENTS, [placement.as_row() for placement in placements])
        await publish_moves(session, outbox, self.moves)
        await idps.plans_after_placements(session, placements, {p.nip: self.axes[p.nip]["gaps"] for p in placements})
        return placements


async def apply_axes_events(session: AsyncSession, outbox: Outbox, envelopes: Sequence[Envelope]) -> list[NewPlacement]:
    """SKP ratings (performance.rated) and competency assessments (assessment.completed), in order, each
    reclassifying its ASN (a development plan follows each new placement in a box); returns the new
    placements. Events about an ASN with no profile yet are parked; the ones parked earlier for ASN
    known by now are applied first. The whole run costs a few queries to load and a few set-based
    statements to write."""
    if not envelopes:
        return []
    payloads = [(envelope, _axes_payload(envelope)) for envelope in envelopes]
    known = await parking.known_or_to_park(session, {data.nip for _, data in payloads})
    await parking.park(session, [envelope for envelope, data in payloads if data.nip not in known])
    earlier = [(envelope, _axes_payload(envelope)) for envelope in await parking.release(session, known)]
    payloads = earlier + [(envelope, data) for envelope, data in payloads if data.nip in known]
    run = await _Run.load(session, {data.nip for _, data in payloads})
    for envelope, data in payloads:
        axes = run.axes_of(data.nip, data.agency_id)
        if isinstance(data, PerformanceRated) and _rated(axes, envelope, data):
            run.reclassify(axes, envelope)
        elif isinstance(data, AssessmentCompleted) and _assessed(axes, envelope, data):
            run.reclassify(axes, envelope)
    return await run.record(session, outbox)


def _axes_payload(envelope: Envelope) -> PerformanceRated | AssessmentCompleted:
    return envelope.payload(PerformanceRated if envelope.type == PerformanceRated.event_type else AssessmentCompleted)


def _rated(axes: dict[str, Any], envelope: Envelope, data: PerformanceRated) -> bool:
    axes["ratings"] = {**axes["ratings"], str(data.year): data.rating.value}
    if axes["performance_year"] is not None and data.year < axes["performance_year"]:
        return False  # an older year arriving late never overrides a newer one (its rating is kept for eligibility)
    axes.update(performance_level=data.performance_level.value, performance_year=data.year,
                performance_policy=data.policy_version, performance_event_id=str(envelope.event_id))
    return True


def _assessed(axes: dict[str, Any], envelope: Envelope, data: AssessmentCompleted) -> bool:
    if axes["assessed_on"] is not None and data.assessed_on < axes["assessed_on"]:
        return False  # a re-assessment supersedes; an older one arriving late does not
    axes.update(potential_level=data.potential_level.value, jpm=data.jpm, assessed_on=data.assessed_on,
                potential_valid_until=data.valid_until, potential_policy=data.policy_version,
                potential_event_id=str(envelope.event_id),
                competencies={gap.competency: gap.achieved for gap in data.gaps},
                gaps=[gap.model_dump() for gap in data.gaps])
    return True


def latest_placements(nips: Collection[str] | None = None, session: AsyncSession | None = None) -> Any:
    """A subquery of (nip, sequence) of each ASN's current placement (of `nips` only, when given: with
    the `session`, as one array parameter on PostgreSQL); join Placement on both columns."""
    query = select(Placement.nip, func.max(Placement.sequence).label("sequence")).group_by(Placement.nip)
    if nips is not None:
        query = query.where(among(session, Placement.nip, nips) if session else Placement.nip.in_(nips))
    return query.subquery()


async def current_placement(session: AsyncSession, nip: str) -> Placement | None:
    return await session.scalar(
        select(Placement).where(Placement.nip == nip).order_by(Placement.sequence.desc()).limit(1)
    )


class HasBox(Protocol):
    box: int | None


async def publish_moves(session: AsyncSession, outbox: Outbox,
                        moves: Sequence[tuple[HasBox | None, idps.PlacementLike, Envelope]]) -> None:
    """`talent.reclassified` for each placement that moved the ASN from one box (or none) to another
    (not for the first record of an unmapped ASN, nor when the computed box caught up with a calibration)."""
    events, causes = [], []
    for current, placement, cause in moves:
        from_box = current.box if current else None
        if from_box == placement.box:
            continue
        events.append((TalentReclassified(
            nip=placement.nip, agency_id=placement.agency_id, from_box=from_box, to_box=placement.box,
            performance_level=placement.performance_level, potential_level=placement.potential_level,
            reasons=list(placement.reasons),
            recommendations=list(domain.RECOMMENDATIONS[placement.box]) if placement.box else [],
            cause_event_id=cause.event_id, placed_at=placement.placed_at, computed_box=placement.computed_box,
            calibration_decision_id=placement.calibration_decision_id,
        ), placement.nip))
        causes.append(cause)
    await outbox.emit_many(session, events, causes=causes)


async def remember_portfolio(session: AsyncSession, envelope: Envelope) -> None:
    """Keep what succession needs of the portfolio: penalties (they screen candidates out), the highest
    education (eligibility) and training hours per year (the ≥ 20 JP rule)."""
    data = envelope.payload(PortfolioChanged)
    asn = await session.get(KnownAsn, data.nip)
    if asn is not None:
        asn.training_hours = {str(year): hours for year, hours in data.training_hours_by_year.items()}
        if data.kind == "education":
            level = str(data.item["level"])
            current = EDUCATION_RANK.get(asn.education_level or "", -1)
            if EDUCATION_RANK.get(level, -1) > current:
                asn.education_level = level
    if data.kind != "penalty":
        return
    penalty = await session.get(PenaltyKnown, data.item_id) or PenaltyKnown(item_id=data.item_id)
    penalty.nip, penalty.level = data.nip, str(data.item["level"])
    penalty.starts_on = date.fromisoformat(str(data.item["starts_on"]))
    penalty.ends_on = date.fromisoformat(str(data.item["ends_on"])) if data.item.get("ends_on") else None
    session.add(penalty)


async def pool(session: AsyncSession, boxes: frozenset[int], *, agency_id: str | None, as_of: date,
               nips: Collection[str] | None = None,
               ) -> tuple[list[tuple[Placement, str]], list[tuple[Placement, str, str]]]:
    """ASN whose current box is in `boxes` (in one agency, or all; of `nips` only, when given): members,
    and those screened out with why."""
    latest = latest_placements(nips)
    query = (select(Placement, KnownAsn.name)
             .join(latest, (Placement.nip == latest.c.nip) & (Placement.sequence == latest.c.sequence))
             .outerjoin(KnownAsn, KnownAsn.nip == Placement.nip)
             .where(Placement.box.in_(boxes)).order_by(Placement.box.desc(), Placement.nip))
    if agency_id is not None:
        query = query.where(Placement.agency_id == agency_id)
    if nips is not None:
        query = query.where(Placement.nip.in_(nips))
    rows = (await session.execute(query)).all()
    penalties: dict[str, list[domain.PenaltyRecord]] = {}
    for p in (await session.scalars(select(PenaltyKnown).where(PenaltyKnown.nip.in_([r[0].nip for r in rows])))).all():
        penalties.setdefault(p.nip, []).append(domain.PenaltyRecord(p.level, p.starts_on, p.ends_on))
    members, screened = [], []
    for placement, name in rows:
        reason = domain.screened_out(penalties.get(placement.nip, []), as_of=as_of)
        if reason:
            screened.append((placement, name or "", reason))
        else:
            members.append((placement, name or ""))
    return members, screened
