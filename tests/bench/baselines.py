"""Baselines the benchmarks print beside Talenta's figures: the bare client doing the same I/O."""

import time
import uuid

from aiokafka import AIOKafkaConsumer


async def bare_consumer_seconds(bootstrap: str, topic: str, records: int) -> float:
    """How long a bare aiokafka consumer (new group, from the beginning) takes to read `records` records."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=500)
    started = time.perf_counter()
    await consumer.start()
    try:
        seen = 0
        while seen < records:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                seen += len(batch)
        await consumer.commit()
        return time.perf_counter() - started
    finally:
        await consumer.stop()
