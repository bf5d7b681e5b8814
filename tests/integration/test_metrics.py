"""/metrics shows consumer lag and outbox backlog rise and fall, measured on the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from deploy.local.kafka import LocalKafka
from shared.auth import mint_token
from shared.events import Envelope
from shared.service_app import ServiceDefinition, create_service_app
from shared.settings import ServiceSettings
from tests.integration.kafka_helpers import create_topics, eventually
from tests.integration.plumbing import applied, probe_on
from tests.integration.probe_service import models

pytestmark = pytest.mark.infra

Samples = Mapping[tuple[str, tuple[tuple[str, str], ...]], float]


OPERATOR = {"Authorization": "Bearer " + mint_token(subject="ops", roles=["operator"])}


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics", headers=OPERATOR)
    assert response.status_code == 200, response.text
    text = response.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


async def test_metrics_show_lag_and_outbox_backlog_rise_and_fall(kafka: LocalKafka, pg_database: str, unique: str) -> None:
    consumed, published = f"test.metrics.in.{unique}", f"test.metrics.out.{unique}"
    await create_topics(kafka.bootstrap_servers, consumed, published, partitions=1)
    gate = asyncio.Event()

    async def gated(session: AsyncSession, envelope: Envelope) -> None:
        await gate.wait()  # holds the partition until the test opens the gate
        await session.execute(insert(applied).values(subject=envelope.subject, n=envelope.data["n"]))

    definition = ServiceDefinition(
        name="probe", title="probe", description="probe", metadata=models.metadata, migrations=Path(models.__file__).parent / "migrations", routers=[],
        subscriptions=lambda runtime: {consumed: {"test.probe": gated}},
    )
    settings = ServiceSettings(service_name="probe", database_url=pg_database, kafka_bootstrap_servers=kafka.bootstrap_servers,
                               kafka_group_prefix=f"metrics-{unique}", ready_max_outbox_backlog=3)
    app = create_service_app(definition, settings)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as http:
            # outbox backlog: rises while the relay is stopped, falls once it runs
            await runtime.relay.stop()
            Out = probe_on(published)
            async with runtime.sessions() as session, session.begin():
                for n in range(5):
                    await runtime.outbox.emit(session, Out(n=n), subject="198609262015051001")
            assert (await http.get("/metrics")).status_code == 401
            assert (await http.get("/metrics", headers={"Authorization": "Bearer " + mint_token(
                subject="hr", roles=["hr_admin"], agency_id="kab-a")})).status_code == 403
            samples = await scrape(http)
            assert total(samples, "talenta_outbox_backlog") == 5
            assert total(samples, "talenta_outbox_oldest_unpublished_age_seconds") > 0
            not_ready = await http.get("/ready")
            assert not_ready.status_code == 503 and not_ready.json()["checks"]["outbox"] == "backlog 5 over 3"
            runtime.relay.start()
            await eventually(lambda: _is(http, "talenta_outbox_backlog", 0), what="the backlog to drain")
            assert (await http.get("/ready")).status_code == 200
            assert total(await scrape(http), "talenta_outbox_published_total", topic=published) == 5
            assert total(await scrape(http), "talenta_outbox_oldest_unpublished_age_seconds") == 0

            # consumer lag: rises while the handler is held, falls once it is released
            producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
            await producer.start()
            try:
                In = probe_on(consumed)
                for n in range(10):
                    envelope = Envelope.wrap(In(n=n), source="test", subject="198609262015051001")
                    await producer.send_and_wait(consumed, envelope.to_bytes(), key=b"198609262015051001")
            finally:
                await producer.stop()
            await eventually(lambda: _is(http, "talenta_consumer_lag", 10), what="the lag to show 10")
            gate.set()
            await eventually(lambda: _is(http, "talenta_consumer_lag", 0), what="the lag to fall to 0")
            samples = await scrape(http)
            assert total(samples, "talenta_events_consumed_total", topic=consumed, outcome="handled") == 10

            # HTTP requests are counted by route template and status
            assert (await http.get("/asyncapi.json")).status_code == 200
            assert (await http.get("/no-such-route")).status_code == 404
            samples = await scrape(http)
            assert total(samples, "talenta_http_requests_total", route="/asyncapi.json", status="200") == 1
            assert total(samples, "talenta_http_requests_total", route="unmatched", status="404") == 1
            assert total(samples, "talenta_http_request_duration_seconds_count", route="/asyncapi.json") == 1


async def _is(http: httpx.AsyncClient, name: str, expected: float) -> bool:
    return total(await scrape(http), name) == expected
