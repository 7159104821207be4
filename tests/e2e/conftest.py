"""The whole pipeline as separate processes on the test's own topics and database (aduan/stack.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aduan import stack
from tests.faults.harness import free_port
from tests.intake_support import NO_LINKING


@contextmanager
def running_stack(kafka: str, database_url: str, topic_prefix: str, **env: str) -> Iterator[stack.Stack]:
    """Every service started on free ports (routing's triage off, duplicate linking off, then `env`),
    stopped on the way out."""
    local = stack.Stack(
        stack.Infra(kafka, database_url),
        topic_prefix=topic_prefix,
        ports={name: free_port() for name in stack.DEFAULT_PORTS},
        extra_env={"ADUAN_TRIAGE_THRESHOLD": "0", **NO_LINKING, **env},
    )
    local.start(timeout=90)
    try:
        yield local
    finally:
        local.stop()
