"""The HTTP path to LAPOR!, shared by both adapters (lapor.py, lapor_legacy.py): one kept-alive
connection pool, and every failure classified the same way (lapor_api.py says what each class means).

aiohttp rather than httpx: on this path httpx's pool cost about half the forwarder's CPU, and a
batched reference moved 1,540–1,900 creates/s with aiohttp against 350–380/s with httpx
(docs/BENCHMARKS.md). The timeouts mirror httpx's `Timeout(t)`: getting a connection (from the pool
or a new one) within t, and no read waiting longer than t.

Classification, as the forwarder's exactly-once logic relies on it:
- no connection (refused, DNS, a connect or pool timeout): nothing was sent, `maybe_applied=False`;
- a read timeout, or the connection breaking after the request went out (reset, disconnect, a broken
  answer): the request may have been carried out (`LaporTimeoutError`, look the reference up first);
- 429: refused before anything was done; 5xx and 408: may pass later (maybe applied); other non-2xx:
  permanent, with the body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from services.forwarder.lapor_api import LaporPermanentError, LaporRetryableError, LaporTimeoutError

# Idle connections are dropped before a server's usual keep-alive (uvicorn: 5 s), so that a request is
# not sent on a connection the server is closing (it would read as broken off: a needless doubt).
KEEPALIVE_S = 4.0


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, read whole."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def retry_after(value: str | None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def raise_for_status(answer: Answer) -> None:
    """Classify a non-2xx answer."""
    status = answer.status
    if 200 <= status < 300:
        return
    what = f"LAPOR! answered {status} to {answer.method} {answer.path}"
    wait = retry_after(answer.headers.get("retry-after"))
    if status == 429:
        # Refused before being carried out: nothing was applied.
        raise LaporRetryableError(what, status=status, retry_after=wait, maybe_applied=False)
    if status >= 500 or status == 408:
        raise LaporRetryableError(what, status=status, retry_after=wait)
    raise LaporPermanentError(what, status=status, body=answer.text)


def parse_json(answer: Answer) -> Any:
    try:
        return json.loads(answer.content)
    except ValueError as exc:
        raise LaporRetryableError(
            f"LAPOR! answered {answer.status} with a body that is not JSON", maybe_applied=False
        ) from exc


class LaporHttp:
    """A kept-alive pool of at most `max_connections` to one LAPOR! base URL, with fixed headers.

    The session is made on first use (aiohttp wants a running event loop)."""

    def __init__(
        self, base_url: str, headers: Mapping[str, str], timeout_s: float, *, max_connections: int = 100
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = dict(headers)
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout_s, sock_connect=timeout_s, sock_read=timeout_s
        )
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers,
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=KEEPALIVE_S),
                raise_for_status=False,
                auto_decompress=True,
            )
        return self._session

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Answer:
        """One HTTP call, transport failures classified, a non-2xx answer raised."""
        headers = {"Content-Type": content_type} if content_type else None
        try:
            async with self._open().request(
                method, self._base + path, params=params, data=body, headers=headers
            ) as response:
                answer = Answer(method, path, response.status, response.headers, await response.read())
        except aiohttp.ConnectionTimeoutError as exc:
            # no connection within the timeout (a new one, or a free one from the pool): nothing was sent
            raise LaporTimeoutError(f"LAPOR! {method} {path} timed out: {exc!r}", maybe_applied=False) from exc
        except TimeoutError as exc:  # a read timeout (aiohttp's SocketTimeoutError among them)
            raise LaporTimeoutError(f"LAPOR! {method} {path} timed out: {exc!r}") from exc
        except aiohttp.ClientConnectorError as exc:
            raise LaporRetryableError(f"cannot connect to LAPOR!: {exc!r}", maybe_applied=False) from exc
        except aiohttp.ClientError as exc:
            # The connection broke after the request went out: as uncertain as a timeout.
            raise LaporTimeoutError(f"LAPOR! {method} {path} broke off: {exc!r}") from exc
        raise_for_status(answer)
        return answer

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def json_body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
