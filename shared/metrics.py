"""Prometheus metrics, the same names in every service (the scrape job tells the services apart).

Counters and histograms are updated where things happen (HTTP middleware, consumer, relay); gauges
that describe state (consumer lag, outbox backlog, a service's own business gauges) are computed when
`/metrics` is scraped, so they are never stale."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GaugeRows = list[tuple[tuple[str, ...], float]]


@dataclass(frozen=True)
class BusinessGauge:
    """A gauge a service computes from its own database at scrape time."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    query: Callable[[AsyncSession], Awaitable[GaugeRows]]


class ServiceMetrics:
    def __init__(self, service: str, gauges: Sequence[BusinessGauge] = ()) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter("talenta_http_requests", "HTTP requests answered",
                                     ["method", "route", "status"], registry=r)
        self.http_latency = Histogram("talenta_http_request_duration_seconds", "HTTP request latency",
                                      ["method", "route"], registry=r,
                                      buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.events = Counter("talenta_events_consumed", "Events consumed, by outcome "
                              "(handled, duplicate, ignored, dead_lettered)", ["topic", "event_type", "outcome"],
                              registry=r)
        self.retries = Counter("talenta_event_retries", "Handler attempts that failed and were retried",
                               ["topic", "event_type"], registry=r)
        self.consumer_lag = Gauge("talenta_consumer_lag", "Records in the partition not yet committed by this "
                                  "service's consumer group", ["topic", "partition"], registry=r)
        self.outbox_backlog = Gauge("talenta_outbox_backlog", "Outbox rows not yet published", registry=r)
        self.outbox_oldest_age = Gauge("talenta_outbox_oldest_unpublished_age_seconds",
                                       "Age of the oldest unpublished outbox row (0 when none)", registry=r)
        self.outbox_published = Counter("talenta_outbox_published", "Events the relay published", ["topic"],
                                        registry=r)
        self.outbox_failures = Counter("talenta_outbox_publish_failures", "Relay batches that failed", registry=r)
        self.business = [
            (gauge, Gauge(gauge.name, gauge.documentation, list(gauge.labels), registry=r)) for gauge in gauges
        ]


class HttpMetricsMiddleware:
    """Counts requests and times them by route template (never by raw path: no NIP in label values).
    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task group per request."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_and_record_status)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            if template not in ("/metrics", "/health", "/ready"):
                method = scope["method"]
                self._metrics.http_requests.labels(method, template, str(status)).inc()
                self._metrics.http_latency.labels(method, template).observe(time.perf_counter() - started)
