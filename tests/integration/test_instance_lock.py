"""The lock a service's instances take turns with for work only one of them should do at a time (the
outbox relay, the risk sweep), on the real PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from deploy.local.postgres import LocalPostgres
from shared.db import create_engine, try_instance_lock

pytestmark = pytest.mark.infra


async def test_one_transaction_at_a_time_holds_a_named_lock_until_it_ends(postgres: LocalPostgres) -> None:
    database = f"t_lock_{uuid.uuid4().hex[:8]}"
    postgres.create_database(database)
    engine = create_engine(postgres.url(database))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as first, first.begin():
            assert await try_instance_lock(first, "succession-risk-sweep")
            async with sessions() as second, second.begin():
                assert not await try_instance_lock(second, "succession-risk-sweep")  # the other instance skips
                assert await try_instance_lock(second, "profile-timeliness-sweep")  # another name is free
        async with sessions() as second, second.begin():
            assert await try_instance_lock(second, "succession-risk-sweep")  # released when the first committed
    finally:
        await engine.dispose()
