"""OpenTelemetry setup from the standard OTEL_* variables, plus JSON logs carrying trace and span ids.

OTEL_TRACES_EXPORTER chooses the exporters, comma-separated: `otlp` (OTLP over HTTP to
OTEL_EXPORTER_OTLP_ENDPOINT, the production path through a collector), `zipkin` (to
OTEL_EXPORTER_ZIPKIN_ENDPOINT, the local trace UI), `console`, `none`, or `jsonl`, which appends one
JSON object per span to the file named by TALENTA_TRACES_FILE (what the tests read). Unset: `otlp`
when an OTLP endpoint is configured, else `none`.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)


current_event_id: ContextVar[str | None] = ContextVar("current_event_id", default=None)
"""The id of the event being consumed, for the logs."""


class JsonLinesSpanExporter(SpanExporter):
    """Appends spans as JSON lines to a file; several processes may share the file."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_to_dict(span)) + "\n" for span in spans)
        with self._lock, open(self._path, "a", encoding="utf-8") as file:
            file.write(lines)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def span_to_dict(span: ReadableSpan) -> dict[str, Any]:
    context = span.get_span_context()
    return {
        "service": span.resource.attributes.get("service.name"),
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "attributes": {k: v if isinstance(v, (str, int, float, bool)) else str(v) for k, v in span.attributes.items()},
        "links": [format(link.context.span_id, "016x") for link in span.links],
    }


def _exporters() -> list[tuple[SpanExporter, bool]]:
    """The configured exporters (comma-separated, as the standard allows), each with whether to export
    synchronously (files and console) or in batches."""
    default = "otlp" if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") else "none"
    exporters: list[tuple[SpanExporter, bool]] = []
    for choice in (os.environ.get("OTEL_TRACES_EXPORTER") or default).split(","):
        match choice.strip():
            case "otlp":
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

                exporters.append((OTLPSpanExporter(), False))
            case "zipkin":  # endpoint from OTEL_EXPORTER_ZIPKIN_ENDPOINT
                from opentelemetry.exporter.zipkin.json import ZipkinExporter

                exporters.append((ZipkinExporter(), False))
            case "console":
                exporters.append((ConsoleSpanExporter(), True))
            case "jsonl":
                exporters.append((JsonLinesSpanExporter(os.environ.get("TALENTA_TRACES_FILE", "spans.jsonl")), True))
            case "none" | "":
                pass
            case other:
                raise ValueError(f"OTEL_TRACES_EXPORTER={other!r}: expected otlp, zipkin, console, jsonl or none")
    return exporters


def setup_tracing(service_name: str) -> TracerProvider:
    """Install the process-wide tracer provider once; later calls return the one installed."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    provider = TracerProvider(resource=resource)
    for exporter, synchronous in _exporters():
        provider.add_span_processor(SimpleSpanProcessor(exporter) if synchronous else BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line with the service, and the trace and span ids of the current span."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self._service = service_name

    def format(self, record: logging.LogRecord) -> str:
        context = trace.get_current_span().get_span_context()
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        if (event_id := current_event_id.get()) is not None:
            entry["event_id"] = event_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(service_name: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonLogFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLogFormatter(service_name))
        root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
