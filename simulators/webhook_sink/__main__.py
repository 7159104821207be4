"""python -m simulators.webhook_sink: serve the webhook receiver (secret from ADUAN_WEBHOOK_SINK_SECRET)."""

from __future__ import annotations

import argparse
import os

import uvicorn

from simulators.webhook_sink.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.webhook_sink", description="webhook receiver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ADUAN_WEBHOOK_SINK_PORT", "8092")))
    args = parser.parse_args(argv)
    secret = os.environ.get("ADUAN_WEBHOOK_SINK_SECRET")
    if not secret:
        raise SystemExit("ADUAN_WEBHOOK_SINK_SECRET must be set")
    uvicorn.run(create_app(secret), host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
