"""The container image: the Dockerfile passes hadolint, and every command the image runs exists.

No Docker engine is needed: the entrypoint script is run here exactly as the image runs it, with this
project's Python first on PATH (the image puts its virtualenv there the same way).
"""

from __future__ import annotations

import asyncio
import os
import subprocess

import asyncpg
import pytest

from tests.deploy.conftest import BIN, ROOT, tool

DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "docker" / "entrypoint.sh"


def _entrypoint(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    environment = {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", "/tmp"), **(env or {})}
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args], capture_output=True, text=True, env=environment, cwd="/", timeout=timeout
    )


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "info", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_non_root_with_a_health_check() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines()]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) >= 2
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1].split()[1].split(":")[0] not in ("0", "root")
    assert any(line.startswith("HEALTHCHECK ") for line in lines)


def test_dockerignore_keeps_state_and_secrets_out() -> None:
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert ignore[0] == "**"  # everything is excluded unless named
    included = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert {"var", ".venv", ".git", "tests"}.isdisjoint(included)
    copied = {
        source.rstrip("/")
        for line in DOCKERFILE.read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
    }
    assert copied and copied <= included  # what the image copies is not excluded


@pytest.mark.parametrize("service", ["intake", "routing", "forwarder", "notifier"])
def test_each_service_command_starts_its_service(service: str) -> None:
    # A bad setting stops a service before it touches anything, naming the variable: that proves the
    # command reaches the service's own entry point without needing a broker.
    result = _entrypoint(service, env={"ADUAN_HTTP_PORT": "not-a-port"})
    assert result.returncode == 2, result.stderr
    assert "invalid configuration" in result.stderr and "http_port" in result.stderr


def test_unknown_command_is_refused() -> None:
    result = _entrypoint("shell")
    assert result.returncode == 2 and "usage" in result.stderr


def test_lapor_sim_and_aduan_commands_exist() -> None:
    assert _entrypoint("aduan", "--help").returncode == 0
    assert _entrypoint("migrate", "--help").returncode == 0


@pytest.mark.integration
async def test_migrate_step_is_safe_from_several_replicas_at_once(database_url: str) -> None:
    async def one() -> subprocess.CompletedProcess:
        return await asyncio.to_thread(
            _entrypoint, "migrate", "intake", "routing", "forwarder", "notifier", env={"DATABASE_URL": database_url}
        )

    results = await asyncio.gather(*(one() for _ in range(3)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    conn = await asyncpg.connect(database_url)
    try:
        for schema in ("intake", "routing", "forwarder", "notifier"):
            names = [r["name"] for r in await conn.fetch(f'SELECT name FROM "{schema}".schema_migrations')]
            files = sorted(p.name for p in (ROOT / "services" / schema / "migrations").glob("*.sql"))
            assert sorted(names) == files  # each applied exactly once
    finally:
        await conn.close()
