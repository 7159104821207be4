"""A database of one run's own (a bench's pipeline, a test session) on the server of a given URL.

A run on its own database starts from empty tables whatever ran before it, so its figures do not depend
on how full the shared database has grown (docs/BENCHMARKS.md: a database of ~100,000 earlier complaints
doubled the steady p99), and dropping it leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def with_database(url: str, name: str) -> str:
    """`url` naming database `name` instead (user, password, host and query kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def create(url: str, prefix: str) -> str | None:
    """A new, empty database named `<prefix>_<random>` next to the one of `url`, and its URL;
    None if the role of `url` may not create databases."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.InsufficientPrivilegeError:
        return None
    finally:
        await admin.close()
    return with_database(url, name)


async def drop(url: str, scratch_url: str) -> None:
    """Drop the database of `scratch_url`, connected through `url` (connections still open are ended)."""
    name = urlsplit(scratch_url).path.lstrip("/")
    # a connection of its own: a fault test may have restarted the server since `create`
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def scratch_database(url: str, prefix: str) -> AsyncIterator[str]:
    """`async with scratch_database(url, "aduan_test") as db_url:` a database of its own, dropped at the
    end; the database of `url` itself when its role may not create one."""
    scratch = await create(url, prefix)
    if scratch is None:
        yield url
        return
    try:
        yield scratch
    finally:
        await drop(url, scratch)
