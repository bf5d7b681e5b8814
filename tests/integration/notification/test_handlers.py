"""The notify use case on SQLite (a handler unit test): the fallback of a missing template is recorded on
the notification, and a redelivered event writes nothing new even past the consumer's inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notification import service, templates
from services.notification.models import Delivery, InboxMessage, Preference, Recipient, metadata
from services.notification.settings import NotificationSettings
from shared.db import create_engine, session_factory
from shared.events import Envelope
from shared.events.schemas import CandidateNominated
from shared.outbox import Outbox

NIP = "198609262015051001"


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/n.db")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


def _nominated() -> Envelope:
    return Envelope.wrap(CandidateNominated(position_id="p1", position_name="Kepala Dinas", agency_id="kab-a",
                                            nip=NIP, readiness="siap_sekarang"), source="succession", subject="p1")


async def test_a_missing_template_falls_back_to_indonesian_and_the_reason_is_recorded(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    only_id = templates.Template(CandidateNominated, {"id": templates.TEMPLATES["candidate.nominated"].languages["id"]})
    monkeypatch.setitem(templates.TEMPLATES, "candidate.nominated", only_id)
    outbox, settings = Outbox(metadata.tables["outbox"], source="notification"), NotificationSettings()
    event = _nominated()
    async with sessions() as session, session.begin():
        session.add_all([Recipient(nip=NIP, agency_id="kab-a", name="Siti", email="siti@example.go.id",
                                   updated_at=datetime.now(UTC)),
                         Preference(nip=NIP, language="en", disabled="[]", email_digest=False)])
    for _ in range(2):  # the second time as if the consumer's inbox had missed the redelivery
        async with sessions() as session, session.begin():
            await service.notify(session, outbox, settings, [event])
    async with sessions() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.channel))).all()
        inbox = await session.scalar(select(func.count()).select_from(InboxMessage))
    assert [(r.channel, r.language, r.status) for r in rows] == [("email", "id", "pending"), ("inbox", "id", "delivered")]
    assert all(r.note == "no 'en' template for candidate.nominated (candidate.nominated/1); rendered in Indonesian"
               for r in rows)
    assert rows[0].title == "Anda dinominasikan sebagai kandidat suksesor: Kepala Dinas"
    assert inbox == 1
