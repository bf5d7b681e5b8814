"""Helpers for the assessment service's tests: an agency of the test's own, ASN seeded into the read model."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from services.assessment.models import KnownAsn
from shared.auth import mint_token
from tests.integration.test_http_api import fresh_nip

NATIONAL_NINE = ["Integritas", "Kerjasama", "Komunikasi", "Orientasi pada Hasil", "Pelayanan Publik",
                 "Pengembangan Diri dan Orang Lain", "Mengelola Perubahan", "Pengambilan Keputusan", "Perekat Bangsa"]


def bearer(**claims: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(**claims)}


class Agency:
    """An agency id unique to the test, with its HR admin's, talent committee's and an ASN's tokens."""

    def __init__(self, unique: str, letter: str) -> None:
        self.id = f"kab-{letter}-{unique}"
        self.hr = bearer(subject=f"hr-{letter}", roles=["hr_admin"], agency_id=self.id)
        self.committee = bearer(subject=f"komite-{letter}", roles=["talent_committee"], agency_id=self.id)

    def asn(self, nip: str) -> dict[str, str]:
        return bearer(subject=nip, roles=["asn"], agency_id=self.id, nip=nip)


async def seed_asn(runtime: Any, agency_id: str, *, position_code: str | None = None,
                   position_type: str | None = None, nip: str | None = None) -> str:
    nip = nip or fresh_nip()
    async with runtime.sessions() as session, session.begin():
        session.add(KnownAsn(nip=nip, agency_id=agency_id, name=f"ASN {nip[-4:]}", position_code=position_code,
                             position_type=position_type, position_title=position_code and f"Jabatan {position_code}"))
    return nip


async def outbox_events(runtime: Any, event_type: str, agency_id: str) -> list[dict[str, Any]]:
    table = runtime.outbox.table
    async with runtime.sessions() as session:
        payloads = (await session.scalars(select(table.c.payload).where(table.c.event_type == event_type)
                                          .order_by(table.c.id))).all()
    return [d for d in (json.loads(p)["data"] for p in payloads) if d["agency_id"] == agency_id]
