"""The intake bench's bare endpoint: the least an HTTP intake can do, on the server stack intake uses.

A Starlette app served by uvicorn (as shared/service.py serves intake) with one route,
`POST /v1/complaints`, that reads the body, checks it is a JSON object, publishes it to one Kafka
topic with the project's producer guarantees (idempotent, acks=all), waits for the acknowledgement
and answers 202. No validation, normalisation, signatures, rate limits or database.

    python -m aduan.bench_bare_endpoint --port PORT --bootstrap HOST:PORT --topic TOPIC
"""

from __future__ import annotations

import argparse
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import uvicorn
from aiokafka import AIOKafkaProducer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app(bootstrap: str, topic: str) -> Starlette:
    held: dict[str, AIOKafkaProducer] = {}  # made in the lifespan: aiokafka wants a running loop

    async def submit(request: Request) -> Response:
        body = await request.body()
        try:
            if not isinstance(json.loads(body), dict):
                raise ValueError
        except ValueError:
            return JSONResponse({"error": "expected a JSON object"}, status_code=422)
        key = str(uuid.uuid4())
        await held["producer"].send_and_wait(topic, body, key=key.encode())
        return JSONResponse({"complaint_id": key, "status": "received"}, status_code=202)

    async def ready(_: Request) -> Response:
        return JSONResponse({"ready": True})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        producer = held["producer"] = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        await producer.start()
        try:
            yield
        finally:
            await producer.stop()

    return Starlette(
        routes=[Route("/v1/complaints", submit, methods=["POST"]), Route("/readyz", ready, methods=["GET"])],
        lifespan=lifespan,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m aduan.bench_bare_endpoint", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(args.bootstrap, args.topic),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
