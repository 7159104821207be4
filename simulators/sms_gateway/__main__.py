"""python -m simulators.sms_gateway: serve the SMS gateway simulator."""

from __future__ import annotations

import argparse
import os

import uvicorn

from simulators.sms_gateway.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.sms_gateway", description="SMS gateway simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ADUAN_SMS_SIM_PORT", "8091")))
    parser.add_argument("--userkey", default=os.environ.get("ADUAN_SMS_SIM_USERKEY", "sim-user"))
    parser.add_argument("--passkey", default=os.environ.get("ADUAN_SMS_SIM_PASSKEY", "sim-pass"))
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.userkey, args.passkey), host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
