"""Alembic migrations per service: applied at start-up, and a command to write the next revision.

Each service keeps `migrations/` (env.py + versions/) beside its models; env.py only calls `run_env`.
    python -m shared.migrations revision services/profile -m "add units"
autogenerates the next revision against a scratch SQLite database upgraded to head.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData, text

from shared.db import create_engine


def _config(script_location: Path, connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x7A1E47A  # a PostgreSQL advisory lock key: one instance migrates at a time


def upgrade_to_head(connection: Connection, script_location: Path) -> None:
    """Run with `await conn.run_sync(upgrade_to_head, path)` inside the service's start-up. Instances that
    start together (several workers, a rolling deploy) take turns: on PostgreSQL a transaction-scoped
    advisory lock serialises them, and the later ones find the schema at head already."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    command.upgrade(_config(script_location, connection), "head")


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the UTC timestamp decorator as the plain column type it stores."""
    from shared.models import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(context: Any, target_metadata: MetaData) -> None:
    """The body of every service's env.py: migrate on the connection the caller handed over."""
    context.configure(
        connection=context.config.attributes["connection"],
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _revision(service_dir: Path, message: str) -> None:
    importlib.import_module(".".join(service_dir.parts) + ".models")
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite+aiosqlite:///{scratch}/scratch.db")
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to_head, service_dir / "migrations")
            await conn.run_sync(
                lambda sync: command.revision(
                    _config(service_dir / "migrations", sync), message=message, autogenerate=True
                )
            )
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="autogenerate the next revision of a service")
    revision.add_argument("service_dir", type=Path)
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args()
    asyncio.run(_revision(args.service_dir, args.message))


if __name__ == "__main__":
    main()
