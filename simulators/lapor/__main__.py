"""python -m simulators.lapor: serve the LAPOR! simulator (for the local stack and the demo)."""

from __future__ import annotations

import argparse
import os

import uvicorn

from simulators.lapor.app import create_app
from simulators.lapor.state import SimulatorState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.lapor", description="LAPOR! simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ADUAN_LAPOR_SIM_PORT", "8090")))
    parser.add_argument(
        "--api-key",
        default=os.environ.get("ADUAN_LAPOR_SIM_API_KEY", "sim-key"),
        help="expected X-Api-Key; an empty string disables auth",
    )
    parser.add_argument(
        "--legacy-token",
        default=os.environ.get("ADUAN_LAPOR_SIM_LEGACY_TOKEN", "sim-token"),
        help="expected token attribute of the legacy addstream form; an empty string disables it",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the random faults")
    args = parser.parse_args(argv)
    # Faults from ADUAN_SIM_FAULTS, the lifecycle from ADUAN_SIM_TIME_SCALE and ADUAN_SIM_LIFECYCLE.
    state = SimulatorState.from_env(seed=args.seed)
    app = create_app(args.api_key or None, legacy_token=args.legacy_token or None, state=state)
    # LAPOR!'s stand-in keeps asyncio's own loop, so that its speed does not move with the services' choice
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, loop="asyncio")


if __name__ == "__main__":
    main()
