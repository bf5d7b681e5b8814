"""Ratings and assessments about an ASN succession has no profile of are parked, not placed, and applied
in their order once the profile arrives — giving exactly the placements of the profile-first order."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres
from services.succession import parking, service
from services.succession.app import create_app as succession_app
from services.succession.models import Placement
from services.succession.settings import SuccessionSettings
from services.succession.sweeps import ParkedEventsSweep
from shared.events import Envelope
from shared.events.schemas import AssessmentCompleted, CompetencyGap, PerformanceRated, ProfileRegistered
from tests.integration.kafka_helpers import eventually
from tests.integration.succession_helpers import World, young_nip
from tests.integration.test_http_api import bearer, running

pytestmark = pytest.mark.infra


def _settings(kafka: LocalKafka, db: Path, unique: str) -> SuccessionSettings:
    return SuccessionSettings(database_url=f"sqlite+aiosqlite:///{db}", kafka_bootstrap_servers=kafka.bootstrap_servers,
                              kafka_group_prefix=f"park-{db.stem}-{unique}")


def _events(nip: str, agency: str) -> tuple[Envelope, list[Envelope]]:
    """A profile, and the rating and assessment about the same ASN (box 9)."""
    def wrap(data: Any) -> Envelope:
        return Envelope.wrap(data, source="test", subject=nip)

    profile = wrap(ProfileRegistered(nip=nip, agency_id=agency, name="ASN Parkir", sex="male",
                                     birth_date=date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))))
    return profile, [
        wrap(PerformanceRated(nip=nip, agency_id=agency, year=2025, rating="sangat_baik",
                              performance_level="di_atas_ekspektasi", years_considered=[2025], policy_version="default-1")),
        wrap(AssessmentCompleted(nip=nip, agency_id=agency, assessment_id=f"a-{nip}", assessed_on=date(2026, 6, 1),
                                 method="cact", jpm=92.0, potential_level="tinggi", valid_until=date(2029, 6, 1),
                                 policy_version="default-1",
                                 gaps=[CompetencyGap(competency="Integritas", required=4, achieved=3, gap=1)])),
    ]


async def _placements(runtime: Any, nip: str) -> list[tuple[Any, ...]]:
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(Placement).where(Placement.nip == nip).order_by(Placement.sequence))).all()
    return [(p.sequence, p.box, p.computed_box, p.performance_level, p.potential_level, tuple(p.reasons),
             p.cause_event_id, p.placed_at) for p in rows]


async def test_events_before_the_profile_are_parked_then_placed_as_if_in_order(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    agency, nip = f"kab-p-{unique}", young_nip()
    profile, axes_events = _events(nip, agency)
    hr, hr_other = (bearer(subject="hr-p", roles=["hr_admin"], agency_id=agency),
                    bearer(subject="hr-q", roles=["hr_admin"], agency_id=f"kab-q-{unique}"))

    async with running(succession_app, _settings(kafka, tmp_path / "in_order.db", unique)) as (_, runtime):
        world = await World.quiet(runtime, agency)
        for envelope in (profile, *axes_events):
            await world.deliver_envelope(envelope)
        in_order = await _placements(runtime, nip)
    assert [p[1] for p in in_order] == [None, 9]

    async with running(succession_app, _settings(kafka, tmp_path / "profile_last.db", unique)) as (http, runtime):
        world = await World.quiet(runtime, agency)
        for envelope in axes_events:
            await world.deliver_envelope(envelope)
        assert await _placements(runtime, nip) == []  # nobody placed who has no profile
        assert (await http.get(f"/v1/talents/{nip}", headers=hr)).status_code == 404
        parked = (await http.get("/v1/parked-events", headers=hr)).json()
        assert [(p["nip"], p["event_type"], p["event_id"]) for p in parked] == [
            (nip, e.type, str(e.event_id)) for e in axes_events]
        assert parked[0]["reason"].startswith("unknown NIP")
        assert (await http.get("/v1/parked-events", headers=hr_other)).json() == []  # another agency's HR
        assert (await http.get("/v1/parked-events", headers=bearer(subject=nip, roles=["asn"], agency_id=agency))
                ).status_code == 403

        await world.deliver_envelope(profile)
        assert await _placements(runtime, nip) == in_order
        assert (await http.get("/v1/parked-events", headers=hr)).json() == []
        assert (await http.get(f"/v1/talents/{nip}", headers=hr)).json()["current"]["box"] == 9


async def test_the_sweep_applies_events_left_parked_for_a_known_asn(
    kafka: LocalKafka, tmp_path: Path, unique: str
) -> None:
    """A safety net: whatever leaves an event parked for an ASN who has a profile (here, a profile stored
    without looking at the parking), the sweep applies it."""
    agency, nip = f"kab-s-{unique}", young_nip()
    profile, axes_events = _events(nip, agency)
    async with running(succession_app, _settings(kafka, tmp_path / "race.db", unique)) as (http, runtime):
        world = await World.quiet(runtime, agency)
        for envelope in axes_events:
            await world.deliver_envelope(envelope)
        async with runtime.sessions() as session, session.begin():  # the profile, without looking at the parking
            await service.remember_profiles(session, [profile.payload(ProfileRegistered)])
        assert await _placements(runtime, nip) == []
        sweep = next(w for w in runtime.workers if isinstance(w, ParkedEventsSweep))
        assert await sweep.sweep(profile.occurred_at) >= 2  # (the service also consumes other tests' events)
        assert [p[1] for p in await _placements(runtime, nip)] == [None, 9]
        assert (await http.get("/v1/parked-events", headers=bearer(subject="hr-s", roles=["hr_admin"],
                                                                    agency_id=agency))).json() == []


async def test_a_profile_stored_while_its_events_are_being_parked_takes_them(
    kafka: LocalKafka, postgres: LocalPostgres, unique: str
) -> None:
    """On PostgreSQL, one transaction parks an ASN's rating (no profile yet) while another stores the
    profile: the second waits on the ASN's arrival lock, then sees and applies the parked event. (Without
    the lock both committed seeing neither the other, and the event stayed parked — the two-instance
    replay test caught it.)"""
    agency, nip = f"kab-l-{unique}", young_nip()
    profile, (rating, _) = _events(nip, agency)
    database = f"t_park_{unique}"
    postgres.create_database(database)
    settings = SuccessionSettings(database_url=postgres.url(database), kafka_bootstrap_servers=kafka.bootstrap_servers,
                                  kafka_group_prefix=f"park-pg-{unique}")
    async with running(succession_app, settings) as (_, runtime):
        await runtime.relay.stop()
        async with runtime.sessions() as parking_tx, parking_tx.begin():
            await service.apply_axes_events(parking_tx, runtime.outbox, [rating])  # parked, not committed yet

            async def store_profile() -> list[Envelope]:
                async with runtime.sessions() as profile_tx, profile_tx.begin():
                    await service.remember_profiles(profile_tx, [profile.payload(ProfileRegistered)])
                    return await parking.release_on_arrival(profile_tx, {nip})

            storing = asyncio.create_task(store_profile())
            await eventually(lambda: _waiting_on_advisory_lock(runtime), timeout=30,
                             what="the profile's transaction waiting on the ASN's arrival lock")
            assert not storing.done()
        released = await asyncio.wait_for(storing, timeout=30)  # the parking committed: the lock is free
        assert [str(e.event_id) for e in released] == [str(rating.event_id)]


async def _waiting_on_advisory_lock(runtime: Any) -> bool:
    async with runtime.sessions() as session:
        return bool(await session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")))
