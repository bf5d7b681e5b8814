"""Bulk imports of ASN profiles and of portfolio rows (shared/imports runs them; this says what a row is).

A row whose NIP is already registered with the same data is `unchanged`, so the same file imported twice
creates nothing new; with other data it is rejected, naming the fields that differ (corrections go
through PATCH and the effective-dated history, never silently through an import)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import Field, TypeAdapter, ValidationError, model_validator
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.profile import data_quality
from services.profile.models import Agency, PortfolioItem, PositionHeld, Profile, RankHeld, Unit
from services.profile.portfolio import PortfolioEntry, Training, training_hours_by_year
from services.profile.schemas import ProfileIn
from services.profile.service import failed_checks, position_spells, quality_changed, refresh_data_quality
from shared.db import bulk_insert
from shared.events import EventData
from shared.events.schemas import PortfolioChanged, ProfileRegistered
from shared.imports import ImportContext, RowOutcome, SourceRow, rejected, validation_errors
from shared.outbox import Outbox

COMPARED = ("agency_id", "unit_id", "name", "sex", "birth_date", "email", "employment_status", "position_type", "position_code",
            "position_title", "golongan")


class ProfileRow(ProfileIn):
    """A profile, optionally with its current position (TMT jabatan) and rank (TMT pangkat)."""

    position_title: str | None = Field(default=None, min_length=1, max_length=200)
    position_code: str | None = Field(default=None, max_length=64)
    position_start: date | None = Field(default=None, description="TMT jabatan")
    golongan_tmt: date | None = Field(default=None, description="TMT pangkat")

    @model_validator(mode="after")
    def _history_complete(self) -> ProfileRow:
        if self.position_title and not (self.position_type and self.position_start):
            raise ValueError("position_title needs position_type and position_start")
        if self.golongan_tmt and not self.golongan:
            raise ValueError("golongan_tmt needs golongan")
        return self

    def profile_values(self, today: date) -> dict[str, Any]:
        values = self.model_dump(exclude={"position_title", "position_code", "position_start", "golongan_tmt"})
        if self.position_title and self.position_start and self.position_start <= today:
            values.update(position_code=self.position_code, position_title=self.position_title)
        else:
            values.update(position_code=None, position_title=None)
        return values


class ProfileImport:
    name = "profiles"
    description = "ASN profiles (the fields of POST /v1/profiles, plus position_title/_code/_start, golongan_tmt)"

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def apply(self, session: AsyncSession, rows: Sequence[SourceRow], context: ImportContext) -> list[RowOutcome]:
        outcomes: dict[int, RowOutcome] = {}
        first: dict[str, tuple[int, dict[str, Any]]] = {}  # NIP -> (row number, values), the first row wins
        candidates: list[tuple[SourceRow, ProfileRow]] = []
        today = date.today()
        for row in rows:
            try:
                data = ProfileRow.model_validate(row.fields)
            except ValidationError as exc:
                outcomes[row.number] = RowOutcome(row.number, "rejected", validation_errors(exc))
                continue
            if context.agency_id is not None and data.agency_id != context.agency_id:
                outcomes[row.number] = rejected(row, "agency_id", f"you may import only agency {context.agency_id}'s people")
                continue
            candidates.append((row, data))
        agencies = set(await session.scalars(select(Agency.id).where(Agency.id.in_({d.agency_id for _, d in candidates}))))
        units = dict((await session.execute(select(Unit.id, Unit.agency_id).where(
            Unit.id.in_({d.unit_id for _, d in candidates if d.unit_id})))).all())
        existing = {p.nip: p for p in (await session.execute(
            select(*(getattr(Profile, f) for f in ("nip", *COMPARED))).where(Profile.nip.in_({d.nip for _, d in candidates}))
        )).all()}
        profiles, positions, ranks, events = [], [], [], []
        now = datetime.now(UTC)
        for row, data in candidates:
            values = data.profile_values(today)
            if data.agency_id not in agencies:
                outcomes[row.number] = rejected(row, "agency_id", f"unknown agency {data.agency_id!r}")
            elif data.unit_id and units.get(data.unit_id) != data.agency_id:
                outcomes[row.number] = rejected(row, "unit_id", f"no unit {data.unit_id!r} in agency {data.agency_id}")
            elif data.nip in existing or data.nip in first:
                known = existing[data.nip]._asdict() if data.nip in existing else first[data.nip][1]
                differing = [f for f in COMPARED if known[f] != values[f]]
                where = "already registered" if data.nip in existing else f"already in row {first[data.nip][0]} of this file"
                outcomes[row.number] = (RowOutcome(row.number, "unchanged") if not differing else
                                        rejected(row, "nip", f"{where} with other {', '.join(differing)}"))
            else:
                first[data.nip] = (row.number, values)
                quality = data_quality.assess(data_quality.ProfileFacts(
                    nip=data.nip, name=data.name, sex=data.sex, birth_date=data.birth_date, email=data.email,
                    unit_id=data.unit_id, position_type=data.position_type, golongan=data.golongan,
                    employment_status=data.employment_status, positions_start=[data.position_start] if data.position_start else [],
                    ranks_tmt=[data.golongan_tmt] if data.golongan_tmt else [], last_updated=now), now=now)
                profiles.append({**values, "data_quality": quality.score, "data_quality_failed": failed_checks(quality),
                                 "created_at": now, "updated_at": now})
                if data.position_title and data.position_start:
                    positions.append({"nip": data.nip, "position_type": data.position_type, "title": data.position_title,
                                      "code": data.position_code, "unit_id": data.unit_id, "start_date": data.position_start,
                                      "recorded_by": context.subject, "recorded_at": now})
                if data.golongan and data.golongan_tmt:
                    ranks.append({"nip": data.nip, "golongan": data.golongan, "tmt": data.golongan_tmt,
                                  "recorded_by": context.subject, "recorded_at": now})
                snapshot = {key: values[key] for key in ProfileRegistered.model_fields if key in values}
                snapshot["positions"] = position_spells(
                    [(data.position_type, data.position_title, data.position_start)] if data.position_title else [])
                events += [(ProfileRegistered(**snapshot), data.nip),
                           (quality_changed(data.nip, data.agency_id, data.unit_id, quality, None), data.nip)]
                outcomes[row.number] = RowOutcome(row.number, "accepted")
        for model, batch in ((Profile, profiles), (PositionHeld, positions), (RankHeld, ranks)):
            await bulk_insert(session, model.__table__, batch)
        await self._outbox.emit_many(session, events)
        return [outcomes[row.number] for row in rows]


ENTRY = TypeAdapter(PortfolioEntry)


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=str)


class PortfolioImport:
    name = "portfolio"
    description = "portfolio rows: nip, kind (education, training, award, penalty, certification, aspiration) and its fields"

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def apply(self, session: AsyncSession, rows: Sequence[SourceRow], context: ImportContext) -> list[RowOutcome]:
        outcomes: dict[int, RowOutcome] = {}
        nips = {str(row.fields.get("nip")) for row in rows}
        profiles = {p.nip: p for p in (await session.scalars(select(Profile).where(Profile.nip.in_(nips)))).all()}
        recorded = {(nip, kind, _canonical(data)) for nip, kind, data in (await session.execute(
            select(PortfolioItem.nip, PortfolioItem.kind, PortfolioItem.data).where(PortfolioItem.nip.in_(nips)))).all()}
        new: list[tuple[SourceRow, dict[str, Any]]] = []
        for row in rows:
            fields = dict(row.fields)
            nip = str(fields.pop("nip", ""))
            profile = profiles.get(nip)
            if profile is None or (context.agency_id is not None and profile.agency_id != context.agency_id):
                outcomes[row.number] = rejected(row, "nip", f"no profile with NIP {nip!r} that you may import for")
                continue
            try:
                entry = ENTRY.validate_python(fields)
            except ValidationError as exc:
                outcomes[row.number] = RowOutcome(row.number, "rejected", validation_errors(exc))
                continue
            item = {"nip": nip, "kind": entry.kind, "data": entry.model_dump(mode="json")}
            key = (nip, entry.kind, _canonical(item["data"]))
            if key in recorded:  # imported before (or earlier in this file)
                outcomes[row.number] = RowOutcome(row.number, "unchanged")
                continue
            recorded.add(key)
            new.append((row, item))
            outcomes[row.number] = RowOutcome(row.number, "accepted")
        if new:
            now = datetime.now(UTC)
            ids = (await session.scalars(insert(PortfolioItem).returning(PortfolioItem.id, sort_by_parameter_order=True),
                                         [{**item, "recorded_by": context.subject, "recorded_at": now} for _, item in new])).all()
            touched = {item["nip"] for _, item in new}
            trainings: dict[str, list[Training]] = defaultdict(list)
            for nip, data in await session.execute(select(PortfolioItem.nip, PortfolioItem.data).where(
                    PortfolioItem.nip.in_(touched), PortfolioItem.kind == "training")):
                trainings[nip].append(Training.model_validate(data))
            events: list[tuple[EventData, str]] = [(PortfolioChanged(
                nip=item["nip"], agency_id=profiles[item["nip"]].agency_id, item_id=item_id, kind=item["kind"],
                item=item["data"], training_hours_by_year=training_hours_by_year(trainings[item["nip"]]),
            ), item["nip"]) for (_, item), item_id in zip(new, ids, strict=True)]
            await self._outbox.emit_many(session, events)
            await refresh_data_quality(session, self._outbox, [profiles[nip] for nip in sorted(touched)])
        return [outcomes[row.number] for row in rows]
