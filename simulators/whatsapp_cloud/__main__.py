"""python -m simulators.whatsapp_cloud: serve the WhatsApp Cloud API simulator."""

from __future__ import annotations

import argparse
import os

import uvicorn

from simulators.whatsapp_cloud.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.whatsapp_cloud", description="WhatsApp Cloud API simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ADUAN_WHATSAPP_SIM_PORT", "8093")))
    parser.add_argument("--phone-number-id", default=os.environ.get("ADUAN_WHATSAPP_SIM_PHONE_NUMBER_ID", "100200300"))
    parser.add_argument("--access-token", default=os.environ.get("ADUAN_WHATSAPP_SIM_ACCESS_TOKEN", "sim-token"))
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.phone_number_id, args.access_token), host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
