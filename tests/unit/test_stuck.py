"""The stuck-test report names what the tasks were awaiting and what the threads were doing."""

from __future__ import annotations

import asyncio
import io

from tests.stuck import StuckReport


async def waits_for_ever(event: asyncio.Event) -> None:
    await deeper(event)


async def deeper(event: asyncio.Event) -> None:
    await event.wait()


async def test_a_stuck_report_shows_the_awaiting_coroutine_and_the_threads() -> None:
    event = asyncio.Event()
    task = asyncio.create_task(waits_for_ever(event), name="the-stuck-one")
    out = io.StringIO()
    with StuckReport(asyncio.get_running_loop(), 0.05, "tests/x.py::test_y", out):
        await asyncio.sleep(0.3)
    event.set()
    await task
    text = out.getvalue()
    assert "tests/x.py::test_y still running after 0 s" in text
    assert "Task the-stuck-one:" in text
    # the whole chain of awaits, with the line each one stands on, down into asyncio
    assert text.index("in waits_for_ever") < text.index("await deeper(event)") < text.index("in deeper")
    assert text.index("in deeper") < text.index("await event.wait()") < text.index("locks.py")
    assert "Thread" in text or "thread" in text


async def test_a_report_cancelled_in_time_prints_nothing() -> None:
    out = io.StringIO()
    with StuckReport(asyncio.get_running_loop(), 0.2, "tests/x.py::test_y", out):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    assert out.getvalue() == ""
