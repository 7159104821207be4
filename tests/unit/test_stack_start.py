"""`Stack.start` leaves nothing running behind a service that fails at start-up."""

from __future__ import annotations

import sys

import pytest

from aduan import stack


def test_a_service_that_exits_at_start_up_takes_the_ones_already_started_down_with_it() -> None:
    ports = stack.free_ports()
    local = stack.Stack(stack.Infra("127.0.0.1:1", "postgresql://nobody@127.0.0.1:1/none"), ports=ports)
    ports = dict(zip(("first", "failing"), stack.free_ports(("intake", "routing")).values(), strict=True))
    local.procs = {
        # started first, alive, but never ready (nothing answers its probe)
        "first": stack.Proc("test-stack-first", [sys.executable, "-c", "import time; time.sleep(60)"], ports["first"]),
        "failing": stack.Proc("test-stack-failing", [sys.executable, "-c", "raise SystemExit(3)"], ports["failing"]),
    }
    with pytest.raises((RuntimeError, TimeoutError)):
        local.start(timeout=3)
    first = local.procs["first"]
    assert first.popen is not None and first.popen.poll() is not None, "the first service was left running"
    assert not first.pid_path.exists()
