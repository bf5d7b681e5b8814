"""The test harness starts the real infrastructure once per session: a Kafka broker (KRaft, from the
Maven Central jars) and a throwaway PostgreSQL cluster. Tests isolate themselves with their own
topics, consumer groups and databases."""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres
from deploy.local.zipkin import LocalZipkin

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def pytest_sessionstart(session: pytest.Session) -> None:
    # A SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so the broker and the database are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    broker = LocalKafka(tmp_path_factory.mktemp("kafka"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    data_dir = Path(tempfile.mkdtemp(prefix="talenta-pg-"))
    server = LocalPostgres(data_dir)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def zipkin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalZipkin]:
    """The trace UI operators use, for the tests that check a flow's trace is visible in it."""
    server = LocalZipkin(tmp_path_factory.mktemp("zipkin"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave files for people to look at (screenshots); kept by CI."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def pg_database(postgres: LocalPostgres) -> str:
    """A fresh, empty PostgreSQL database for one test; returns its asyncpg URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    return postgres.url(name)


@pytest.fixture
def unique() -> str:
    """A suffix that keeps topics, groups and ids of one test apart from every other."""
    return uuid.uuid4().hex[:10]
