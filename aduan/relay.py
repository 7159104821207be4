"""The benchmark's baseline hop: consume a topic, produce every record unchanged to the next, commit.

Same guarantees as the services (idempotent producer, acks=all, commit after the produce is
acknowledged), and no work at all: what the pipeline costs beyond this is its own.
    python -m aduan.relay BOOTSTRAP SOURCE TARGET GROUP
"""

from __future__ import annotations

import asyncio
import signal
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def relay(bootstrap: str, source: str, target: str, group: str) -> None:
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            futures = [await producer.send(target, r.value, key=r.key) for records in batch.values() for r in records]
            if futures:
                await asyncio.gather(*futures)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(relay(*sys.argv[1:5]))
