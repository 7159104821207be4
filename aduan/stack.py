"""The local stack: infrastructure scripts, topics, and the service processes.

Infrastructure (Kafka, PostgreSQL) is started by the shell scripts in deploy/local/ unless
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL point elsewhere. Services and the LAPOR! simulator run as
ordinary child processes, each with its log in var/log/ and its pid in var/run/, so `aduan down`
(or a test's teardown) can stop exactly what was started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.kafka import delete_topics, ensure_topics
from shared.topics import Topics

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
LOCAL = ROOT / "deploy" / "local"

DEFAULT_PORTS = {"intake": 8080, "routing": 8081, "forwarder": 8082, "notifier": 8083, "lapor-sim": 8090}
# each port can be moved: ADUAN_INTAKE_PORT, ADUAN_ROUTING_PORT, ..., ADUAN_LAPOR_SIM_PORT
PORT_ENV = {name: f"ADUAN_{name.upper().replace('-', '_')}_PORT" for name in DEFAULT_PORTS}
SERVICES = ("intake", "routing", "forwarder", "notifier")
# the exit code of a deploy/local script that has already said, in one line, what is in the way
EXPLAINED = 3


class InfraError(RuntimeError):
    """Something the local stack needs is in the way or failed. `explained`: a script has already said
    why on stderr (one line), so the caller adds nothing and exits non-zero."""

    def __init__(self, message: str, *, explained: bool = False) -> None:
        super().__init__(message)
        self.explained = explained


# ---------------------------------------------------------------------------------------------
# infrastructure


def _script(name: str, action: str, *args: str) -> str:
    """Run deploy/local/<name>.sh; its messages go to our stderr, its answer (stdout) is returned."""
    argv = ["bash", str(LOCAL / f"{name}.sh"), action, *args]
    result = subprocess.run(argv, check=False, text=True, stdout=subprocess.PIPE)
    if result.returncode == EXPLAINED:
        raise InfraError(f"deploy/local/{name}.sh {action}: in the way (said above)", explained=True)
    if result.returncode != 0:
        raise InfraError(f"deploy/local/{name}.sh {action} failed with exit code {result.returncode}")
    return result.stdout.strip()


def _env_port(variable: str, default: int) -> int:
    value = os.environ.get(variable, "")
    if value and not (value.isdigit() and 0 < int(value) < 65536):
        raise InfraError(f"{variable}={value!r} is not a port number")
    return int(value) if value else default


def configured_ports() -> dict[str, int]:
    """The services' ports: DEFAULT_PORTS, each moved by its ADUAN_<NAME>_PORT."""
    return {name: _env_port(PORT_ENV[name], default) for name, default in DEFAULT_PORTS.items()}


def _check_port(port: int, name: str, variable: str) -> None:
    _script("ports", "check", str(port), name, variable, str(ROOT))


def free_ports(names: tuple[str, ...] = tuple(DEFAULT_PORTS)) -> dict[str, int]:
    """A free local port for each name (a one-shot run that collides with nothing)."""
    with contextlib.ExitStack() as held:
        socks = {name: held.enter_context(socket.socket()) for name in names}
        for sock in socks.values():
            sock.bind(("127.0.0.1", 0))
        return {name: sock.getsockname()[1] for name, sock in socks.items()}


def check_ports(ports: dict[str, int]) -> None:
    """Before starting anything: each port free, or one line naming who holds it (InfraError)."""
    for name, port in ports.items():
        _check_port(port, name, PORT_ENV.get(name, "ADUAN_<NAME>_PORT"))


@dataclass(frozen=True)
class Infra:
    kafka: str
    database_url: str
    started_kafka: bool = False
    started_postgres: bool = False


def _running(name: str) -> bool:
    return ": running" in _script(name, "status")


def infra_up() -> Infra:
    """Start what the environment does not give and is not running yet; return where everything is.
    The result remembers what this call started, so `infra_down(infra)` stops only that."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    database_url = os.environ.get("DATABASE_URL")
    started_kafka = started_postgres = False
    # before starting anything: every port that is about to be taken is free (or one line says who holds it)
    if not kafka and not _running("kafka"):
        port = _env_port("ADUAN_KAFKA_PORT", 9092)
        _check_port(port, "kafka", "ADUAN_KAFKA_PORT")
        _check_port(_env_port("ADUAN_KAFKA_CONTROLLER_PORT", port + 1), "kafka", "ADUAN_KAFKA_CONTROLLER_PORT")
    if not database_url and not _running("postgres"):
        _check_port(_env_port("ADUAN_PG_PORT", 55432), "postgres", "ADUAN_PG_PORT")
    if not kafka:
        started_kafka = not _running("kafka")
        _script("kafka", "up")
        kafka = f"127.0.0.1:{os.environ.get('ADUAN_KAFKA_PORT', '9092')}"
    if not database_url:
        try:
            started_postgres = not _running("postgres")
            _script("postgres", "up")
            database_url = _script("postgres", "url")
        except InfraError:
            if started_kafka:  # leave nothing half-started behind
                _script("kafka", "down")
            raise
    return Infra(kafka, database_url, started_kafka=started_kafka, started_postgres=started_postgres)


def infra_down(infra: Infra | None = None) -> None:
    if infra is None or infra.started_kafka:
        _script("kafka", "down")
    if infra is None or infra.started_postgres:
        _script("postgres", "down")


def infra_status() -> str:
    return "\n".join(_script(name, "status") for name in ("kafka", "postgres"))


def create_topics(kafka: str, prefix: str = "") -> list[str]:
    return asyncio.run(ensure_topics(kafka, Topics(prefix).specs()))


def drop_topics(kafka: str, prefix: str) -> None:
    """Delete a run's own topics; refuses the unprefixed production names."""
    if not prefix:
        raise ValueError("refusing to delete the unprefixed topics")
    asyncio.run(delete_topics(kafka, [t.name for t in Topics(prefix).specs()]))


# ---------------------------------------------------------------------------------------------
# processes


@dataclass
class Proc:
    name: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return VAR / "log" / f"{self.name}.log"

    @property
    def pid_path(self) -> Path:
        # keyed by port too: a demo or a test run beside `make up` records its processes without touching up's
        return VAR / "run" / f"{self.name}-{self.port}.pid"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid_path.write_text(str(self.popen.pid))

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 20.0, sig: int = signal.SIGTERM) -> None:
        if self.popen is not None:
            # Our own child: wait on it (polling its pid would see the zombie as alive).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        elif (pid := _read_pid(self.pid_path)) is not None:
            _terminate(pid, timeout, sig)
        self.pid_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL: the crash a test wants, no graceful shutdown."""
        self.stop(timeout=5, sig=signal.SIGKILL)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def _terminate(pid: int, timeout: float, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def wait_ready(procs: list[Proc], timeout: float = 60.0) -> None:
    """Wait until every process answers its readiness probe (the simulator: its stats)."""
    deadline = time.monotonic() + timeout
    pending = list(procs)
    with httpx.Client(timeout=2.0) as client:
        while pending:
            proc = pending[0]
            if proc.popen is not None and not proc.alive():
                tail = proc.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{proc.name} exited during start-up; its log ends:\n{tail}")
            path = "/_sim/stats" if proc.name == "lapor-sim" else "/readyz"
            try:
                if client.get(proc.url + path).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{proc.name} not ready after {timeout:.0f} s; see {proc.log_path}")
            time.sleep(0.2)


def channel_secrets() -> dict[str, str]:
    """The channel secrets a local stack runs with: the environment's own when set, else demo ones
    (simulators/gateways.py signs the demo's traffic with the same)."""
    from simulators.gateways import DEMO_SECRETS

    return {name: os.environ.get(name) or demo for name, demo in DEMO_SECRETS.items()}


def local_rate_limits() -> dict[str, str]:
    """A local stack's clients (demo, tests, bench) all post from 127.0.0.1: one IP's limit is raised,
    unless the environment sets its own."""
    return {"ADUAN_RATE_LIMIT_IP_PER_MIN": os.environ.get("ADUAN_RATE_LIMIT_IP_PER_MIN") or "100000"}


@dataclass
class Stack:
    """The simulator and the four services, pointed at one Kafka, one database, one topic prefix."""

    infra: Infra
    topic_prefix: str = ""
    ports: dict[str, int] = field(default_factory=configured_ports)
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)

    def __post_init__(self) -> None:
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": self.infra.kafka,
            "DATABASE_URL": self.infra.database_url,
            "ADUAN_TOPIC_PREFIX": self.topic_prefix,
            "ADUAN_LAPOR_BASE_URL": f"http://127.0.0.1:{self.ports['lapor-sim']}",
            "PYTHONUNBUFFERED": "1",
            **channel_secrets(),
            **local_rate_limits(),
            **self.extra_env,
        }
        python = sys.executable
        self.procs["lapor-sim"] = Proc(
            "lapor-sim",
            [python, "-m", "simulators.lapor", "--port", str(self.ports["lapor-sim"])],
            self.ports["lapor-sim"],
            env,
        )
        for name in SERVICES:
            self.procs[name] = Proc(
                name,
                [python, "-m", f"services.{name}"],
                self.ports[name],
                {**env, "ADUAN_HTTP_PORT": str(self.ports[name])},
            )

    def start(self, names: tuple[str, ...] | None = None, timeout: float = 60.0) -> None:
        names = names or tuple(self.procs)
        chosen = [self.procs[n] for n in names]
        check_ports({proc.name: proc.port for proc in chosen})
        try:
            for proc in chosen:
                proc.start()
            wait_ready(chosen, timeout)
        except BaseException:
            # one that exits or never gets ready must not leave the others running behind the error
            self.stop(names)
            raise

    def stop(self, names: tuple[str, ...] | None = None) -> None:
        """Stop what this Stack started (a process it never started is left alone: see stop_recorded)."""
        for name in reversed(names or tuple(self.procs)):
            if self.procs[name].popen is not None:
                self.procs[name].stop()

    def url(self, name: str) -> str:
        return self.procs[name].url


def recorded_alive() -> list[str]:
    """The processes an earlier `aduan up` recorded in var/run that are still alive."""
    alive = []
    for pid_file in sorted((VAR / "run").glob("*.pid")):
        pid = _read_pid(pid_file)
        try:
            if pid is not None:
                os.kill(pid, 0)
                alive.append(pid_file.stem)
        except ProcessLookupError:
            pid_file.unlink(missing_ok=True)  # left by a killed run
        except PermissionError:
            alive.append(pid_file.stem)
    return alive


def stop_recorded() -> list[str]:
    """Stop processes recorded in var/run by an earlier `aduan up` (another shell, another process)."""
    stopped = []
    for pid_file in sorted((VAR / "run").glob("*.pid")):
        pid = _read_pid(pid_file)
        if pid is not None:
            _terminate(pid, 20.0, signal.SIGTERM)
            stopped.append(pid_file.stem)
        pid_file.unlink(missing_ok=True)
    return stopped
