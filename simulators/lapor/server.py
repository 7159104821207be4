"""Run the simulator on a real socket in a background thread, for tests and the e2e suite."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from simulators.lapor.app import create_app
from simulators.lapor.state import SimulatorState


class SimulatorServer:
    """A uvicorn-served simulator; `port=0` picks a free port. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        api_key: str | None = "sim-key",
        *,
        seed: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        legacy_token: str | None = "sim-token",
        state: SimulatorState | None = None,
    ) -> None:
        self.app = create_app(api_key, seed=seed, legacy_token=legacy_token, state=state)
        self.state: SimulatorState = self.app.state.sim
        self.host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    def start(self, timeout_s: float = 10.0) -> SimulatorServer:
        # Bind here rather than in uvicorn so the real port is known before the thread starts.
        # proto must be IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections
        # only then, and without it every keep-alive request waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._port))
        self._port = sock.getsockname()[1]
        # A short graceful shutdown so a slow_create still in flight cannot hold stop() for long.
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="lapor-simulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError(f"LAPOR! simulator did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
