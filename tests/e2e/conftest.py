"""The four services as processes, started the way `make run` starts them, for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.kafka import LocalKafka, free_port
from deploy.local.postgres import LocalPostgres
from deploy.local.run import SERVICES, ServiceProcess, start_services, stop_services
from deploy.local.zipkin import LocalZipkin


@pytest.fixture
def spans_file(tmp_path: Path) -> Path:
    return tmp_path / "spans.jsonl"


def _system(kafka: LocalKafka, data_dir: Path, spans_file: Path, unique: str,
            database_urls: dict[str, str] | None, zipkin: LocalZipkin | None = None) -> list[ServiceProcess]:
    tracing = {"OTEL_TRACES_EXPORTER": "jsonl", "TALENTA_TRACES_FILE": str(spans_file)}
    if zipkin is not None:  # also to the trace UI, as `make run` does
        tracing = {"OTEL_TRACES_EXPORTER": "jsonl,zipkin", "TALENTA_TRACES_FILE": str(spans_file),
                   "OTEL_EXPORTER_ZIPKIN_ENDPOINT": zipkin.spans_endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    return start_services(
        bootstrap_servers=kafka.bootstrap_servers, data_dir=data_dir, database_urls=database_urls,
        ports={name: free_port() for name in SERVICES},
        extra_env={**tracing, "KAFKA_GROUP_PREFIX": f"e2e-{unique}"},
    )


@pytest.fixture
def system_on_postgres(kafka: LocalKafka, postgres: LocalPostgres, zipkin: LocalZipkin, tmp_path: Path,
                       spans_file: Path, unique: str) -> Iterator[dict[str, str]]:
    urls = {}
    for name in SERVICES:
        postgres.create_database(f"{name}_{unique}")
        urls[name] = postgres.url(f"{name}_{unique}")
    processes = _system(kafka, tmp_path / "run", spans_file, unique, urls, zipkin)
    yield {p.name: p.url for p in processes}
    stop_services(processes)


@pytest.fixture
def system_on_sqlite(kafka: LocalKafka, tmp_path: Path, spans_file: Path, unique: str) -> Iterator[dict[str, str]]:
    processes = _system(kafka, tmp_path / "run", spans_file, unique, None)
    yield {p.name: p.url for p in processes}
    stop_services(processes)
