"""The local infrastructure scripts (deploy/local) from a copy of the checkout inside a 0700 folder, as a
newcomer's `~/aduan` is: PostgreSQL and Kafka start there on ports of their own (beside the suite's
servers, which these tests never touch), answer, and stop; a port another checkout holds gives one line
naming the port, the process, that checkout's folder and the way out; a killed run's pid file is cleaned up.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import aiokafka
import asyncpg
import pytest

from aduan import stack

pytestmark = pytest.mark.integration

COPIED = ("aduan", "deploy", "services", "shared", "simulators", "samples", "pyproject.toml", "Makefile")
AS_ROOT = os.geteuid() == 0


def _free_port(pair: bool = False) -> int:
    """A free local port (with `pair`, the next one free too: Kafka's controller listens there)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair or port >= 65535:
            return port
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port pair")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def private_folder() -> Iterator[Path]:
    """A fresh folder only its owner may enter (mode 0700), like root's home."""
    folder = Path(tempfile.mkdtemp(prefix="aduan-home-"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _checkout(folder: Path, name: str = "aduan") -> Path:
    target = folder / name
    target.mkdir()
    for entry in COPIED:
        source = stack.ROOT / entry
        if source.is_dir():
            shutil.copytree(source, target / entry, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / entry)
    return target


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    return {**env, **extra}


def _run(
    checkout: Path, script: str, action: str, env: dict[str, str], user: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    argv = ["bash", str(checkout / "deploy" / "local" / f"{script}.sh"), action]
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    return subprocess.run(argv, cwd=checkout, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _one_line_about(result: subprocess.CompletedProcess[str], port: int, holder: Path, envvar: str) -> str:
    assert result.returncode == stack.EXPLAINED, result
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert f"port {port} " in line and "pid " in line, line
    assert f"the aduan checkout in {holder}:" in line, line
    assert "`make down` there" in line and f"{envvar}=<port>" in line, line
    return line


async def _pg_answers(url: str) -> str:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return await conn.fetchval("SELECT current_user")
    finally:
        await conn.close()


def _postgres_users() -> list[str | None]:
    # as root the server runs as the postgres user; as anybody else as themselves: root tries both
    return [None, "nobody"] if AS_ROOT else [None]


@pytest.mark.parametrize("user", _postgres_users(), ids=lambda u: u or "me")
def test_postgres_starts_from_a_private_folder_and_a_second_checkout_is_told_who_holds_the_port(
    private_folder: Path, user: str | None
) -> None:
    first = _checkout(private_folder)
    second = _checkout(private_folder, "aduan-second")
    if user:
        shutil.chown(private_folder, user)
        for path in [private_folder, *private_folder.rglob("*")]:
            shutil.chown(path, user)
    port = _free_port()
    env = _env(ADUAN_PG_PORT=str(port))
    state = Path(_run(first, "postgres", "dir", env, user).stdout.strip())
    assert not state.is_relative_to(first), "the cluster must live where its user can reach it"
    try:
        started = _run(first, "postgres", "up", env, user)
        assert started.returncode == 0, started.stderr
        url = _run(first, "postgres", "url", env, user).stdout.strip()
        assert url == f"postgresql://aduan:aduan@127.0.0.1:{port}/aduan"
        assert asyncio.run(_pg_answers(url)) == "aduan"
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        assert "running on 127.0.0.1:" in _run(first, "postgres", "status", env, user).stdout

        # the second checkout on the same port: one line, no traceback, nothing started
        _one_line_about(_run(second, "postgres", "up", env, user), port, first, "ADUAN_PG_PORT")
        assert not Path(_run(second, "postgres", "dir", env, user).stdout.strip()).exists()

        # a killed server: its pid file is cleaned up and the cluster starts again
        postmaster = state / "data" / "postmaster.pid"
        os.kill(int(postmaster.read_text().split()[0]), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        again = _run(first, "postgres", "up", env, user)
        assert again.returncode == 0, again.stderr
        assert "removing the pid file a killed server left behind" in again.stderr
        assert asyncio.run(_pg_answers(url)) == "aduan"

        stopped = _run(first, "postgres", "down", env, user)
        assert stopped.returncode == 0 and "stopped" in stopped.stderr
        assert not _listening(port)
    finally:
        _run(first, "postgres", "purge", env, user)
    assert not state.exists()


def test_a_python_caller_checks_every_port_first_and_says_one_line(private_folder: Path) -> None:
    first = _checkout(private_folder)
    second = _checkout(private_folder, "aduan-second")
    port, kafka_port = _free_port(), _free_port(pair=True)
    env = _env(ADUAN_PG_PORT=str(port), ADUAN_KAFKA_PORT=str(kafka_port), ADUAN_KAFKA_HEAP="256m")
    try:
        assert _run(first, "postgres", "up", env).returncode == 0
        # the second checkout's own CLI (python -m from its folder imports its own code) wants Kafka and
        # PostgreSQL: PostgreSQL's port is taken, so nothing at all is started
        result = subprocess.run(
            [sys.executable, "-m", "aduan.cli", "infra", "up"],
            cwd=second,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
            env=env,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
        _one_line_about(
            subprocess.CompletedProcess(result.args, stack.EXPLAINED, result.stdout, result.stderr),
            port,
            first,
            "ADUAN_PG_PORT",
        )
        assert not _listening(kafka_port)
        assert not (second / "var" / "kafka").exists()
    finally:
        _run(second, "kafka", "down", env)
        _run(first, "postgres", "purge", env)


def test_a_port_held_by_something_else_names_the_process(private_folder: Path) -> None:
    checkout = _checkout(private_folder)
    # a listener that belongs to no checkout: the system's Python, started in /
    python = shutil.which("python3", path="/usr/bin:/bin") or pytest.fail("no system python3")
    listen = (
        "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen();"
        " print(s.getsockname()[1], flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen([python, "-c", listen], cwd="/", stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        port = int(holder.stdout.readline())
        result = _run(checkout, "postgres", "up", _env(ADUAN_PG_PORT=str(port)))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == stack.EXPLAINED
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"[postgres] port {port} is taken by pid {holder.pid} ({python} " in line, line
    assert line.endswith("stop it, or choose another port with ADUAN_PG_PORT=<port>"), line
    assert "checkout" not in line, line


async def _kafka_metadata(bootstrap: str) -> list[tuple[str, int]]:
    client = aiokafka.AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await client.bootstrap()
    try:
        metadata = await client.fetch_all_metadata()
        return [(b.host, b.port) for b in metadata.brokers()]
    finally:
        await client.close()


def test_kafka_starts_from_a_private_folder_and_a_second_checkout_is_told_who_holds_the_port(
    private_folder: Path,
) -> None:
    first = _checkout(private_folder)
    second = _checkout(private_folder, "aduan-second")
    port = _free_port(pair=True)
    env = _env(ADUAN_KAFKA_PORT=str(port), ADUAN_KAFKA_HEAP="256m")
    pidfile = first / "var" / "kafka" / "kafka.pid"
    # a pid file from a killed run: a pid no process has
    pidfile.parent.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    pidfile.write_text(f"{dead.pid}\n")
    try:
        started = _run(first, "kafka", "up", env, timeout=240)
        assert started.returncode == 0, started.stderr
        assert "removing the pid file a killed broker left behind" in started.stderr
        assert int(pidfile.read_text()) != dead.pid
        assert asyncio.run(_kafka_metadata(f"127.0.0.1:{port}")) == [("127.0.0.1", port)]

        _one_line_about(_run(second, "kafka", "up", env), port, first, "ADUAN_KAFKA_PORT")
        # moving only the broker port still meets the first broker's controller port (port + 1)
        moved = _env(ADUAN_KAFKA_PORT=str(port + 1), ADUAN_KAFKA_HEAP="256m")
        _one_line_about(_run(second, "kafka", "up", moved), port + 1, first, "ADUAN_KAFKA_PORT")
        assert not (second / "var" / "kafka" / "kafka.pid").exists()
    finally:
        stopped = _run(first, "kafka", "down", env)
    assert stopped.returncode == 0 and "stopped" in stopped.stderr
    assert not _listening(port) and not pidfile.exists()
