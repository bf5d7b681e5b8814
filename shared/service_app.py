"""One way to assemble a service: FastAPI + a FastStream KafkaBroker in the lifespan, its database and
migrations, the outbox relay, the event consumer, problem+json errors, health, OpenAPI and AsyncAPI.

A service describes itself with a `ServiceDefinition`; `create_service_app` does the rest the same way
for all four. Routes and handlers reach the plumbing through `Runtime` (on `app.state.runtime`).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.specification import AsyncAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.auth import Role, TokenVerifier, require_roles, roles_note
from shared.consumer import EventConsumer, Handler, RetryPolicy, Routes
from shared.db import create_engine, read_session_factory, session_factory
from shared.errors import Problem, install_problem_handlers
from shared.events import EventData
from shared.imports import ImportKind
from shared.imports.api import imports_router
from shared.imports.runner import ImportRunner
from shared.metrics import BusinessGauge, HttpMetricsMiddleware, ServiceMetrics
from shared.migrations import upgrade_to_head
from shared.outbox import Outbox, OutboxRelay, backlog
from shared.settings import ServiceSettings
from shared.telemetry import setup_logging, setup_tracing

log = logging.getLogger(__name__)

# Young-generation collections after 20,000 allocations rather than 700: a request allocates thousands of
# short-lived objects, and most die before any collection would look at them.
GC_THRESHOLDS = (20_000, 20, 20)

# topic -> event type -> handler, or Routes(handlers, batch_handlers) when some types are handled set-based
Subscriptions = Mapping[str, Mapping[str, Handler] | Routes]


class Worker(Protocol):
    def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]  # single reads: no BEGIN/ROLLBACK round trips on PostgreSQL
    broker: KafkaBroker
    outbox: Outbox
    relay: OutboxRelay
    consumer: EventConsumer
    metrics: ServiceMetrics
    idempotency_table: Table
    imports: ImportRunner | None = None
    workers: Sequence[Worker] = ()


@dataclass
class ServiceDefinition:
    name: str
    title: str
    description: str
    metadata: MetaData  # from shared.models.new_base(): holds the outbox, inbox and idempotency tables
    migrations: Path
    routers: Sequence[APIRouter]
    publishes: Sequence[type[EventData]] = ()
    subscriptions: Callable[[Runtime], Subscriptions] = field(default=lambda runtime: {})
    gauges: Sequence[BusinessGauge] = ()
    # bulk imports offered (POST /v1/imports/{kind}); the metadata then holds shared.imports.tables too
    imports: Callable[[Runtime], Sequence[ImportKind]] | None = None
    # background work of the service's own (periodic sweeps, say), started and stopped with it
    workers: Callable[[Runtime], Sequence[Worker]] = field(default=lambda runtime: ())


def create_service_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    setup_logging(definition.name)
    provider = setup_tracing(definition.name)
    if not SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry:
        SQLAlchemyInstrumentor().instrument(tracer_provider=provider)

    engine = create_engine(settings.effective_database_url)
    sessions = session_factory(engine)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=settings.kafka_request_timeout_ms,
        client_id=f"talenta-{definition.name}",
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=provider)],
    )
    metrics = ServiceMetrics(definition.name, definition.gauges)
    outbox_table, inbox_table = definition.metadata.tables["outbox"], definition.metadata.tables["inbox"]
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        read_sessions=read_session_factory(engine),
        broker=broker,
        outbox=Outbox(outbox_table, source=definition.name),
        relay=OutboxRelay(sessions, outbox_table, settings.kafka_bootstrap_servers, client_id=f"talenta-{definition.name}-relay",
                          request_timeout_ms=settings.kafka_request_timeout_ms, batch_size=settings.outbox_batch_size,
                          poll_seconds=settings.outbox_poll_seconds,
                          publish_timeout_seconds=settings.outbox_publish_timeout_seconds, metrics=metrics),
        consumer=EventConsumer(
            broker, sessions, inbox_table, group_id=settings.group_id,
            retry=RetryPolicy(settings.consumer_max_attempts, settings.consumer_backoff_seconds,
                              settings.consumer_backoff_max_seconds),
            metrics=metrics,
        ),
        metrics=metrics,
        idempotency_table=definition.metadata.tables["idempotency_keys"],
    )
    if definition.imports:
        runtime.imports = ImportRunner(
            sessions, definition.metadata.tables["import_jobs"], definition.metadata.tables["import_row_errors"],
            {kind.name: kind for kind in definition.imports(runtime)}, settings.data_dir / "imports" / definition.name,
            chunk_rows=settings.import_chunk_rows)
    runtime.workers = definition.workers(runtime)
    for topic, routes in definition.subscriptions(runtime).items():
        if isinstance(routes, Routes):
            runtime.consumer.subscribe(topic, routes.handlers, batch_handlers=routes.batch_handlers,
                                       max_records=settings.consumer_max_records)
        else:
            runtime.consumer.subscribe(topic, routes, max_records=settings.consumer_max_records)
    _document_publications(broker, definition.publishes)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to_head, definition.migrations)
        await broker.start()
        runtime.relay.start()
        if runtime.imports:
            runtime.imports.start()
        for worker in runtime.workers:
            worker.start()
        # Everything loaded so far (modules, metadata, compiled schemas) lives as long as the process: keep it
        # out of the collector's full passes, which otherwise stall requests for tens of milliseconds.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        log.info("%s ready", definition.name)
        try:
            yield
        finally:
            for worker in runtime.workers:
                await worker.stop()
            if runtime.imports:
                await runtime.imports.stop()
            await runtime.relay.stop()
            await broker.stop()
            await engine.dispose()

    # FastAPI's own (native) telemetry would add a second server span to every request beside the
    # OpenTelemetry instrumentation below: one of them is enough.
    app = FastAPI(title=definition.title, description=definition.description, version="0.1.0", lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.runtime = runtime
    app.state.verifier = TokenVerifier(settings)
    install_problem_handlers(app)
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    app.include_router(_operations_router(definition))
    for router in definition.routers:
        app.include_router(router)
    if definition.imports:
        app.include_router(imports_router())
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="health,ready,metrics",
                                       exclude_spans=["receive", "send"])  # one server span per request, not three
    return app


def _document_publications(broker: KafkaBroker, publishes: Sequence[type[EventData]]) -> None:
    """Declare the topics this service publishes (through its outbox) so AsyncAPI shows them."""
    for model in publishes:
        broker.publisher(
            model.topic,
            title=f"{model.topic}:{model.event_type}",
            description=f"`{model.event_type}` v{model.schema_version}, wrapped in the Talenta envelope; key = subject.",
            schema=model,
        )


def _operations_router(definition: ServiceDefinition) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Liveness: the process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @router.get("/ready", summary="Readiness: the database and the broker answer; the outbox keeps up")
    async def ready(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            pending, _ = await backlog(runtime.sessions, runtime.outbox.table)
            checks["database"] = "ok"
            limit = runtime.settings.ready_max_outbox_backlog
            checks["outbox"] = "ok" if pending <= limit else f"backlog {pending} over {limit}"
        except Exception as exc:
            checks["database"] = f"failed: {exc}"
        checks["broker"] = "ok" if await runtime.broker.ping(timeout=2) else "unreachable"
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response,
                description="Scraped with an operator token. " + roles_note(Role.OPERATOR),
                dependencies=[Depends(require_roles(Role.OPERATOR))])
    async def metrics(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        await _refresh_gauges(runtime)
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", summary="AsyncAPI description of the events this service consumes and publishes")
    async def asyncapi_json(request: Request) -> JSONResponse:
        return JSONResponse(_asyncapi(request, definition).to_jsonable())

    @router.get("/asyncapi", response_class=HTMLResponse, include_in_schema=False)
    async def asyncapi_html(request: Request) -> HTMLResponse:
        from faststream.specification import get_asyncapi_html

        return HTMLResponse(get_asyncapi_html(_asyncapi(request, definition)))

    return router


async def _refresh_gauges(runtime: Runtime) -> None:
    """State gauges are computed at scrape time, from the broker and the database."""
    m = runtime.metrics
    m.consumer_lag.clear()
    for (topic, partition), lag in (await runtime.consumer.lag()).items():
        m.consumer_lag.labels(topic, str(partition)).set(lag)
    pending, oldest = await backlog(runtime.sessions, runtime.outbox.table)
    m.outbox_backlog.set(pending)
    m.outbox_oldest_age.set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0)
    async with runtime.sessions() as session:
        for gauge, prometheus_gauge in m.business:
            prometheus_gauge.clear()
            for labels, value in await gauge.query(session):
                prometheus_gauge.labels(*labels).set(value)


def _asyncapi(request: Request, definition: ServiceDefinition) -> Any:
    runtime: Runtime = request.app.state.runtime
    return AsyncAPI(runtime.broker, title=definition.title, version="0.1.0",
                    description=definition.description).to_specification()


# Dependencies for routes, as Annotated aliases.
async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.read_sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session)]  # for endpoints that only read
RuntimeDep = Annotated[Runtime, Depends(_runtime)]

__all__ = ["Problem", "ReadSessionDep", "Runtime", "RuntimeDep", "ServiceDefinition", "SessionDep", "create_service_app"]
