"""Replay determinism and scale-out, on the real broker and PostgreSQL: the input topics consumed from the
beginning into a fresh database under a new consumer group give the same placements; two instances in
one consumer group give exactly the placements one instance gives."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from deploy.demo.regency import BIRTH_DAYS, events_for, stream
from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres
from services.succession.app import create_app as succession_app
from services.succession.models import Placement
from services.succession.settings import SuccessionSettings
from shared.events import Envelope
from shared.events.schemas import EVENT_TYPES, PerformanceRated
from shared.events.vocabulary import PerformanceLevel, Rating
from tests.integration.kafka_helpers import eventually
from tests.integration.test_http_api import running

pytestmark = pytest.mark.infra


def _inputs(agency: str, people: int, seed: int) -> list[Envelope]:
    """A regency's events, with what real streams bring: every event twice, and an older year's
    rating arriving after a newer one."""
    envelopes = []
    start = BIRTH_DAYS * (1 + seed % 900)  # NIP sequence numbers no other test of the session uses
    for person in stream(people, seed=seed, today=date(2026, 11, 29), start=start):
        for data in events_for(person, agency):
            envelopes.append(Envelope.wrap(data, source="test", subject=person.nip))
        late = PerformanceRated(nip=person.nip, agency_id=agency, year=2019, rating=Rating.SANGAT_KURANG,
                                performance_level=PerformanceLevel.DI_BAWAH_EKSPEKTASI, years_considered=[2019],
                                policy_version="default-1")
        envelopes.append(Envelope.wrap(late, source="test", subject=person.nip))
    return envelopes


async def _produce(bootstrap: str, envelopes: Sequence[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for envelope in [*envelopes, *random.Random(7).sample(list(envelopes), len(envelopes) // 3)]:  # duplicates
            await producer.send(EVENT_TYPES[envelope.type].topic, envelope.to_bytes(), key=envelope.subject.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def _placements(runtime: Any, agency: str) -> list[tuple[Any, ...]]:
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(Placement).where(Placement.agency_id == agency)
                                      .order_by(Placement.nip, Placement.sequence))).all()
    return [(p.nip, p.sequence, p.box, p.computed_box, p.performance_level, p.potential_level, tuple(p.reasons),
             tuple(sorted(p.policy_versions.items())), p.cause_event_id, p.placed_at) for p in rows]


async def _consumed(runtime: Any, event_ids: set[str]) -> bool:
    inbox = runtime.outbox.table.metadata.tables["inbox"]
    async with runtime.sessions() as session:
        seen = await session.scalar(select(func.count()).select_from(inbox)
                                    .where(inbox.c.event_id.in_(event_ids)))
    return seen == len(event_ids)


def _handled(runtime: Any) -> float:
    """Events this instance handled (its own metrics registry)."""
    return sum(sample.value for metric in runtime.metrics.events.collect() for sample in metric.samples
               if sample.name.endswith("_total") and sample.labels.get("outcome") == "handled")


def _assigned(runtime: Any) -> int:
    return sum(len(s.consumer.assignment()) for s in runtime.consumer._subscribers if s.consumer is not None)


async def _run(instances: int, settings: SuccessionSettings, agency: str, event_ids: set[str],
               live: Sequence[Envelope] = ()) -> list[tuple[Any, ...]]:
    """Start `instances` in one group on a fresh database; with `live` events, produce them once every
    instance has its partitions, so all of them take part. Returns the agency's placements once every
    event of `event_ids` was consumed."""
    async with AsyncExitStack() as stack:
        runtimes = [(await stack.enter_async_context(running(succession_app, settings)))[1] for _ in range(instances)]
        for runtime in runtimes:  # placements are compared, not published
            await runtime.relay.stop()
        if live:
            await eventually(lambda: _all_assigned(runtimes), timeout=60, what="every instance assigned partitions")
            before = [_handled(r) for r in runtimes]
            await _produce(settings.kafka_bootstrap_servers, live)
        await eventually(lambda: _consumed(runtimes[0], event_ids), timeout=180, interval=0.5,
                         what=f"{len(event_ids)} events consumed by {instances} instance(s)")
        if live:
            took_part = [_handled(r) - b for r, b in zip(runtimes, before, strict=True)]
            assert all(took_part), took_part
        return await _placements(runtimes[0], agency)


async def _all_assigned(runtimes: Sequence[Any]) -> bool:
    return all(_assigned(r) for r in runtimes)


@pytest.fixture
def own_kafka(tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of this test's own: replaying "from the beginning" means this test's events only, not
    every event the session's other tests left on the shared topics (a fresh group replaying those kept
    a member busy while the two-instance group rebalanced, late in a full run)."""
    broker = LocalKafka(tmp_path / "kafka")
    broker.start()
    yield broker
    broker.stop()


async def test_replay_and_two_instances_give_the_same_placements(
    own_kafka: LocalKafka, postgres: LocalPostgres, unique: str
) -> None:
    kafka = own_kafka
    agency = f"kab-r-{unique}"
    envelopes = _inputs(agency, people=150, seed=int(unique[:6], 16))
    early, live = envelopes[: len(envelopes) // 2], envelopes[len(envelopes) // 2:]
    await _produce(kafka.bootstrap_servers, early)
    event_ids = {str(e.event_id) for e in envelopes}

    def settings(name: str) -> SuccessionSettings:
        database = f"t_{name}_{uuid.uuid4().hex[:8]}"
        postgres.create_database(database)
        return SuccessionSettings(database_url=postgres.url(database), kafka_bootstrap_servers=kafka.bootstrap_servers,
                                  kafka_group_prefix=f"{name}-{unique}", outbox_poll_seconds=0.5)

    # two instances in one group, while the second half of the events arrives
    pair = await _run(2, settings("pair"), agency, event_ids, live=live)
    assert len({p[0] for p in pair}) == 150 and {p[2] for p in pair} >= {1, 2, 5, 8, 9}
    assert all(p[4] != "di_bawah_ekspektasi" or "2019" not in str(p[6]) for p in pair)  # the late 2019 rating lost
    # one instance, the input topics from the beginning into a fresh database under a new group: twice
    single = await _run(1, settings("single"), agency, event_ids)
    assert single == pair
    replayed = await _run(1, settings("replay"), agency, event_ids)
    assert replayed == single
