"""Helpers for tests that talk to the real broker: create topics, read a topic, wait for conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

T = TypeVar("T")


async def create_topics(bootstrap: str, *names: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names])
    finally:
        await admin.close()


async def read_topic(bootstrap: str, topic: str, *, at_least: int, timeout: float = 30) -> list[ConsumerRecord[Any, Any]]:
    """Everything in `topic` from the beginning, once it holds at least `at_least` records."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(consumer, topic, timeout)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout
        while True:
            ends = await consumer.end_offsets(partitions)
            if sum(ends.values()) >= at_least:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic} holds {sum(ends.values())} records, expected at least {at_least}")
            await asyncio.sleep(0.1)
        records: list[ConsumerRecord[Any, Any]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=500)
            for batch_records in batch.values():
                records.extend(batch_records)
        return records
    finally:
        await consumer.stop()


async def count_records(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(consumer, topic, 10)]
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str, timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while not (partitions := consumer.partitions_for_topic(topic)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {topic} has no partitions")
        await consumer._client.force_metadata_update()
    return partitions


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 30, interval: float = 0.1,
                     what: str = "condition") -> T:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value {result!r}")
        await asyncio.sleep(interval)
