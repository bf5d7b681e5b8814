import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from shared.telemetry import JsonLogFormatter, current_event_id


def _format(message: str) -> dict[str, object]:
    record = logging.LogRecord("talenta.test", logging.INFO, __file__, 1, message, None, None)
    return json.loads(JsonLogFormatter("succession").format(record))


def test_a_log_line_carries_service_trace_span_and_event_ids() -> None:
    tracer = TracerProvider().get_tracer("test")
    token = current_event_id.set("5f0c1a52-0000-4000-8000-000000000001")
    try:
        with tracer.start_as_current_span("handle") as span:
            entry = _format("reclassified")
            context = span.get_span_context()
    finally:
        current_event_id.reset(token)
    assert entry["service"] == "succession" and entry["message"] == "reclassified" and entry["level"] == "INFO"
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")
    assert entry["event_id"] == "5f0c1a52-0000-4000-8000-000000000001"


def test_outside_a_span_and_an_event_there_are_no_ids() -> None:
    entry = _format("starting")
    assert "trace_id" not in entry and "event_id" not in entry
