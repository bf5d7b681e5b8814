"""The assessment schema's upgrade keeps results recorded before it: each becomes version 1 of itself, with
the standard its request gave (what a re-evaluation recomputes from); the national catalogue is seeded.
On PostgreSQL and on the SQLite default (whose ALTERs are table copies)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, select, text

import services.assessment
from services.assessment.models import Assessment, Competency
from shared.db import create_engine

pytestmark = pytest.mark.infra
MIGRATIONS = Path(services.assessment.__file__).parent / "migrations"
BEFORE = "a4f430a71944"  # the last revision before catalogue, standards, versions and policies


def _upgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_results_recorded_before_the_upgrade_become_version_1(backend: str, request: pytest.FixtureRequest,
                                                                   tmp_path: Path) -> None:
    url = request.getfixturevalue("pg_database") if backend == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/a.db"
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, BEFORE)
            await conn.execute(text(
                "INSERT INTO assessments (id, nip, agency_id, assessed_on, method, assessor, competencies, jpm, "
                "potential_level, valid_until, policy_version, recorded_by, recorded_at) VALUES ('legacy-1', "
                "'198609262015051001', 'kab-a', '2026-06-01', 'cact', 'BKN', "
                "'[{\"competency\": \"Integritas\", \"required\": 3, \"achieved\": 2}]', 66.67, 'rendah', "
                "'2029-06-01', 'default-1', 'hr-a', :now)"), {"now": datetime.now(UTC)})
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, "head")
            row = (await conn.execute(select(Assessment).where(Assessment.id == "legacy-1"))).one()
            assert (row.assessment_id, row.version, row.change, row.superseded_by) == ("legacy-1", 1, "original", None)
            assert row.standard == [{"competency": "Integritas", "required": 3, "group": "managerial_socio_cultural"}]
            assert (row.standard_source, row.assessed_on) == ("request", date(2026, 6, 1))
            seeded = (await conn.execute(select(Competency.name).where(Competency.owner == "national"))).scalars().all()
            assert len(seeded) == 11 and "Perekat Bangsa" in seeded
    finally:
        await engine.dispose()
