"""Succession test helpers: one agency's people, delivered through the service's own handlers."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from services.succession import handlers
from shared.events import Envelope
from shared.events.schemas import (
    AssessmentCompleted,
    CompetencyGap,
    PerformanceRated,
    PortfolioChanged,
    ProfileRegistered,
)

STANDARD = {"Integritas": 4, "Pengambilan Keputusan": 4}
LEVELS = {9: ("di_atas_ekspektasi", "tinggi"), 8: ("sesuai_ekspektasi", "tinggi"), 5: ("sesuai_ekspektasi", "menengah"),
          6: ("di_bawah_ekspektasi", "tinggi")}


def young_nip() -> str:
    """A valid NIP of someone born 1980–1995, unlikely to be used by any other test of the session."""
    birth = date(1980, 1, 1) + timedelta(days=random.randint(0, 5_800))
    return f"{birth:%Y%m%d}{birth.year + 22}01{random.choice('12')}{random.randint(0, 999):03d}"


class World:
    """One agency's people, delivered through the service's own handlers."""

    def __init__(self, runtime: Any, agency: str) -> None:
        self.runtime, self.agency = runtime, agency
        self.routes = list(handlers.subscriptions(runtime).values())

    @classmethod
    async def quiet(cls, runtime: Any, agency: str) -> World:
        """The test reads what the service emits from its outbox; publishing it would hand other tests'
        consumers (the session shares one broker) notifications about people they never registered."""
        await runtime.relay.stop()
        return cls(runtime, agency)

    async def deliver(self, data: Any, nip: str) -> None:
        await self.deliver_envelope(Envelope.wrap(data, source="test", subject=nip))

    async def deliver_envelope(self, envelope: Envelope) -> None:
        async with self.runtime.sessions() as session, session.begin():
            await next(r.single(envelope.type) for r in self.routes if envelope.type in r)(session, envelope)

    async def person(self, nip: str, box: int, *, decisions_level: int = 4, birth: date | None = None) -> None:
        birth = birth or date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
        await self.deliver(ProfileRegistered(
            nip=nip, agency_id=self.agency, name=f"ASN {nip[-3:]}", sex="male" if nip[14] == "1" else "female",
            birth_date=birth, position_type="administrator"), nip)
        await self.rate(nip, box, 2025)
        await self.deliver(AssessmentCompleted(
            nip=nip, agency_id=self.agency, assessment_id=f"a-{nip}", assessed_on=date(2026, 6, 1), method="cact",
            jpm=91.0, potential_level=LEVELS[box][1], valid_until=date(2029, 6, 1), policy_version="default-1",
            gaps=[CompetencyGap(competency="Integritas", required=4, achieved=4, gap=0),
                  CompetencyGap(competency="Pengambilan Keputusan", required=4, achieved=decisions_level,
                                gap=max(0, 4 - decisions_level))]), nip)

    async def rate(self, nip: str, box: int, year: int) -> None:
        await self.deliver(PerformanceRated(
            nip=nip, agency_id=self.agency, year=year, rating="baik", performance_level=LEVELS[box][0],
            years_considered=[year], policy_version="default-1"), nip)

    async def portfolio(self, nip: str, kind: str, item: dict[str, Any], hours: dict[int, int]) -> None:
        await self.deliver(PortfolioChanged(nip=nip, agency_id=self.agency, item_id=random.randint(1, 10**9), kind=kind,
                                            item={"kind": kind, **item}, training_hours_by_year=hours), nip)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        table = self.runtime.outbox.table
        async with self.runtime.sessions() as session:
            rows = (await session.execute(select(table.c.payload).where(table.c.event_type == event_type)
                                          .order_by(table.c.id))).scalars().all()
        return [d for d in (Envelope.model_validate_json(r).data for r in rows) if d.get("agency_id") == self.agency]
