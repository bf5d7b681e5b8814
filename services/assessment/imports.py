"""Bulk imports (shared/imports runs them): an assessment centre's batch of results, and an agency's SKP
ratings for a year. Set-based per chunk: one read of the ASN (locked, in NIP order), their results or
ratings, the standards, catalogue and policy; one write of each table; the events in one statement.

Rows follow the HTTP bodies (POST /v1/assessments, /v1/performance-ratings). The same row imported again
is `unchanged`; one that conflicts with what is recorded is rejected with the reason (a correction goes
through the API, with a reason)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import catalogue, domain
from services.assessment.assessments import completed_event, fingerprint, scores
from services.assessment.models import Assessment, KnownAsn, PerformanceRating, PerformanceStanding, new_id
from services.assessment.policy import current_policy
from services.assessment.schemas import AssessmentIn, PerformanceRatingIn
from services.assessment.service import performance_update
from services.assessment.writes import upsert_rows, write_rows
from shared.errors import Problem
from shared.events import EventData
from shared.events.vocabulary import Rating
from shared.imports import ImportContext, RowOutcome, SourceRow, rejected, validation_errors
from shared.outbox import Outbox

HEAD = {"nip", "assessed_on", "method", "assessor", "potential_score", "target_position_code", "competencies"}


def competencies_of(fields: dict[str, Any], catalogue_names: dict[str, str]) -> list[dict[str, Any]] | Any:
    """`competencies` as a list of objects, a {name: achieved} object or the text "Name:achieved[:required];…";
    besides, a column named after a catalogue competency (any case) holds its achieved level."""
    given = fields.get("competencies")
    if isinstance(given, dict):
        listed: list[dict[str, Any]] | Any = [{"competency": k, "achieved": v} for k, v in given.items()]
    elif isinstance(given, str):
        listed = []
        for part in filter(None, (p.strip() for p in given.split(";"))):
            name, _, levels = part.rpartition(":") if part.count(":") == 1 else part.partition(":")
            achieved, _, required = levels.partition(":")
            listed.append({"competency": name.strip(), "achieved": achieved.strip(),
                           **({"required": required.strip()} if required else {})})
    else:
        listed = list(given) if isinstance(given, list) else ([] if given is None else given)
    if isinstance(listed, list):
        listed += [{"competency": catalogue_names[k.lower()], "achieved": v} for k, v in fields.items()
                   if k not in HEAD and k.lower() in catalogue_names]
    return listed


@dataclass
class _Chunk:
    """What one chunk reads once: the ASN (locked), and per agency its catalogue, standards and policy."""

    asn: dict[str, Any]  # NIP -> row of (nip, agency_id, position_code, position_type), locked
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)
    lowercase: dict[str, dict[str, str]] = field(default_factory=dict)  # per agency: lower-case name -> name
    standards: dict[str, dict[tuple[str, str], dict[str, int]]] = field(default_factory=dict)
    policies: dict[str, domain.AgencyPolicy] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, nips: Iterable[str], context: ImportContext) -> _Chunk:
        query = select(KnownAsn.nip, KnownAsn.agency_id, KnownAsn.position_code, KnownAsn.position_type).where(
            KnownAsn.nip.in_(sorted(set(nips))))
        if context.agency_id is not None:
            query = query.where(KnownAsn.agency_id == context.agency_id)
        rows = (await session.execute(query.order_by(KnownAsn.nip).with_for_update())).all()  # plain rows: no ORM
        chunk = cls({a.nip: a for a in rows})
        for agency in {a.agency_id for a in rows}:
            chunk.kinds[agency] = await catalogue.kinds_for(session, agency)
            chunk.lowercase[agency] = {name.lower(): name for name in chunk.kinds[agency]}
            chunk.standards[agency] = await catalogue.standards_of(session, agency)
            chunk.policies[agency] = await current_policy(session, agency)
        return chunk

    def unknown(self, row: SourceRow, nip: str) -> RowOutcome:
        return rejected(row, "nip", f"no ASN with NIP {nip} is known in your agency (is the profile registered?)")


class AssessmentImport:
    name = "assessments"
    description = ("an assessment centre's batch: nip, assessed_on, method, assessor, the competencies' achieved "
                   "levels (a column per competency, or `competencies`), optional potential_score, target_position_code")

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def apply(self, session: AsyncSession, rows: Sequence[SourceRow], context: ImportContext) -> list[RowOutcome]:
        chunk = await _Chunk.load(session, (str(r.fields.get("nip", "")) for r in rows), context)
        nips = list(chunk.asn)
        known = (await session.execute(select(
            Assessment.id, Assessment.nip, Assessment.assessed_on, Assessment.method, Assessment.fingerprint,
            Assessment.version, Assessment.superseded_by,
        ).where(Assessment.nip.in_(nips), or_(Assessment.superseded_by.is_(None), Assessment.version == 1)))).all() \
            if nips else []
        originals: dict[tuple[str, date, str], Any] = {(a.nip, a.assessed_on, a.method): a for a in known if a.version == 1}
        current: dict[str, Any] = {a.nip: a for a in known if a.superseded_by is None}
        outcomes: list[RowOutcome] = []
        new: dict[str, dict[str, Any]] = {}
        superseded: list[dict[str, str]] = []
        events: list[tuple[EventData, str]] = []
        for row in rows:
            nip = str(row.fields.get("nip", ""))
            asn = chunk.asn.get(nip)
            if asn is None:
                outcomes.append(chunk.unknown(row, nip))
                continue
            kinds = chunk.kinds[asn.agency_id]
            try:
                body = AssessmentIn.model_validate(
                    {**{k: v for k, v in row.fields.items() if k in HEAD}, "competencies": competencies_of(
                        row.fields, chunk.lowercase[asn.agency_id])})
                catalogue.require_known(kinds, [c.competency for c in body.competencies], "competencies.{i}.competency")
                listed = [{"competency": c.competency, "achieved": c.achieved, "required": c.required}
                          for c in body.competencies]
                content = fingerprint({"assessor": body.assessor, "competencies": listed,  # = model_dump(mode="json")
                                       "potential_score": body.potential_score,
                                       "target_position_code": body.target_position_code})
                original = originals.get((nip, body.assessed_on, body.method.value))
                if original is not None:
                    outcomes.append(RowOutcome(row.number, "unchanged") if original.fingerprint in (content, "") else
                                    rejected(row, "assessed_on", f"{nip} already has a {body.method.value} assessment "
                                             f"on {body.assessed_on} (id {original.id}) with other results; correct it "
                                             "instead"))
                    continue
                standard, source = catalogue.choose_standard(asn, body.target_position_code,
                                                             {c.competency: c.required for c in body.competencies},
                                                             chunk.standards[asn.agency_id], kinds)
            except ValidationError as exc:
                outcomes.append(RowOutcome(row.number, "rejected", validation_errors(exc)))
                continue
            except Problem as problem:
                outcomes.append(RowOutcome(row.number, "rejected", problem.errors))
                continue
            policy = chunk.policies[asn.agency_id]
            row_id = new_id()
            result = SimpleNamespace(
                id=row_id, assessment_id=row_id, version=1, change="original", reason=None, nip=nip,
                agency_id=asn.agency_id, assessed_on=body.assessed_on, method=body.method.value, assessor=body.assessor,
                potential_score=body.potential_score, competencies=listed,
                standard=standard, standard_source=source, target_position_code=body.target_position_code,
                fingerprint=content, recorded_by=context.subject, superseded_by=None,
            )
            scored = scores(result)
            evaluation = domain.evaluate(scored, result.assessed_on, policy)
            result.jpm, result.potential_level = evaluation.jpm, evaluation.potential_level.value
            result.valid_until, result.policy_version = evaluation.valid_until, evaluation.policy_version
            previous = current.get(nip)
            if previous is not None and previous.assessed_on > result.assessed_on:
                result.superseded_by, previous = previous.id, None  # an older assessment is history at once
            else:
                current[nip] = result
            if previous is not None:
                if previous.id in new:
                    new[previous.id]["superseded_by"] = row_id
                else:  # one recorded before: updated below with the others
                    superseded.append({"id": previous.id, "superseded_by": row_id})
            originals[(nip, result.assessed_on, result.method)] = result
            new[row_id] = vars(result)
            events.append((completed_event(result, policy, supersedes=previous.id if previous else None,
                                           scored=scored), nip))
            outcomes.append(RowOutcome(row.number, "accepted"))
        if new:
            now = datetime.now(UTC)
            await write_rows(session, Assessment.__table__, [{**values, "recorded_at": now} for values in new.values()])
        if superseded:
            await session.execute(update(Assessment), superseded)
        await self._outbox.emit_many(session, events)
        return outcomes


class RatingImport:
    name = "performance-ratings"
    description = "an agency's SKP ratings: nip, year, and hasil_kerja + perilaku_kerja, or rating"

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def apply(self, session: AsyncSession, rows: Sequence[SourceRow], context: ImportContext) -> list[RowOutcome]:
        chunk = await _Chunk.load(session, (str(r.fields.get("nip", "")) for r in rows), context)
        nips = list(chunk.asn)
        ratings: dict[str, dict[int, Rating]] = {nip: {} for nip in nips}
        for nip, year, rating in (await session.execute(select(
                PerformanceRating.nip, PerformanceRating.year, PerformanceRating.rating
        ).where(PerformanceRating.nip.in_(nips)))).all() if nips else []:
            ratings[nip][year] = Rating(rating)
        outcomes: list[RowOutcome] = []
        new: list[dict[str, Any]] = []
        rated: dict[str, list[int]] = {}
        for row in rows:
            nip = str(row.fields.get("nip", ""))
            if nip not in chunk.asn:
                outcomes.append(chunk.unknown(row, nip))
                continue
            try:
                body = PerformanceRatingIn.model_validate(row.fields)
            except ValidationError as exc:
                outcomes.append(RowOutcome(row.number, "rejected", validation_errors(exc)))
                continue
            rating = body.rating or domain.rating_from_judgements(body.hasil_kerja, body.perilaku_kerja)  # type: ignore[arg-type]
            existing = ratings[nip].get(body.year)
            if existing is not None:
                outcomes.append(RowOutcome(row.number, "unchanged") if existing is rating else
                                rejected(row, "year", f"{nip} already has the rating {existing} for {body.year}"))
                continue
            ratings[nip][body.year] = rating
            rated.setdefault(nip, []).append(body.year)
            new.append({"id": new_id(), "nip": nip, "agency_id": chunk.asn[nip].agency_id, "year": body.year,
                        "rating": rating.value, "hasil_kerja": body.hasil_kerja, "perilaku_kerja": body.perilaku_kerja,
                        "recorded_by": context.subject})
            outcomes.append(RowOutcome(row.number, "accepted"))
        if new:
            now = datetime.now(UTC)
            await write_rows(session, PerformanceRating.__table__, [{**values, "recorded_at": now} for values in new])
            previous = dict((await session.execute(select(PerformanceStanding.nip, PerformanceStanding.performance_level)
                                                   .where(PerformanceStanding.nip.in_(list(rated))))).all())
            standings: dict[str, dict[str, Any]] = {}
            events: list[tuple[EventData, str]] = []
            for nip, years in rated.items():
                asn = chunk.asn[nip]
                for i, year in enumerate(years):  # as if rated one by one: each year published, the level as it stands
                    so_far = {y: r for y, r in ratings[nip].items() if y not in years[i + 1:]}
                    values, event = performance_update(nip, asn.agency_id, so_far, previous.get(nip),
                                                       chunk.policies[asn.agency_id], rated_year=year)
                    if values is not None:
                        standings[nip] = {**values, "updated_at": now}
                        previous[nip] = values["performance_level"]
                    if event is not None:
                        events.append((event, nip))
            await upsert_rows(session, PerformanceStanding.__table__, list(standings.values()), "nip")
            await self._outbox.emit_many(session, events)
        return outcomes
