"""What a stuck test was waiting for: every asyncio task's stack and every thread's, printed shortly before
pytest-timeout fails the test, so a hang in CI says where it hung instead of only that it did."""

from __future__ import annotations

import asyncio
import linecache
import sys
import threading
import traceback
from typing import TextIO


def awaiting(coro: object) -> list[str]:
    """Where a coroutine stands, down the chain of what each frame awaits, to the future it waits on."""
    lines: list[str] = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is None:  # a future, or a C-level iterator over one: the bottom of the chain
            break
        where, line = frame.f_code.co_filename, frame.f_lineno
        lines.append(f'  File "{where}", line {line}, in {frame.f_code.co_name}')
        lines.append(f"    {linecache.getline(where, line).strip()}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None) or getattr(coro, "ag_await", None)
    return lines


class StuckReport:
    """Print the tasks of `loop` and the threads of this process if `cancel` is not called within `after_s`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, after_s: float, what: str, out: TextIO = sys.stderr) -> None:
        self.loop, self.after_s, self.what, self.out = loop, after_s, what, out
        self._timer = threading.Timer(after_s, self.report)
        self._timer.daemon = True

    def __enter__(self) -> StuckReport:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def report(self) -> None:
        # From the timer's thread: a loop blocked in a call still shows what its tasks were awaiting.
        print(f"\n=== {self.what} still running after {self.after_s:.0f} s: its asyncio tasks ===", file=self.out)
        try:
            tasks = asyncio.all_tasks(self.loop)
        except RuntimeError as exc:  # the loop's task set changed under us too often
            print(f"(tasks unreadable: {exc})", file=self.out)
            tasks = set()
        for task in tasks:
            print(f"Task {task.get_name()}:", file=self.out)
            print("\n".join(awaiting(task.get_coro())), file=self.out)
        print("=== its threads ===", file=self.out)
        names = {t.ident: t.name for t in threading.enumerate()}
        for ident, frame in sys._current_frames().items():
            print(f"Thread {names.get(ident, ident)}:", file=self.out)
            print("".join(traceback.format_stack(frame, limit=20)), file=self.out)
        self.out.flush()
