"""A small HTTP/1.1 client for load generation: a fixed set of keep-alive connections, each
carrying one request at a time, and a FIFO of requests waiting for a free one.

    async with KeepAliveClient(url, connections=64, headers={"Authorization": ...}) as client:
        status, body = await client.post("/api/predict/", body_bytes)

Why not httpx: under overload an open-loop client holds hundreds of requests waiting for a
connection, and httpx's pool (httpcore) re-examines every waiting request each time one
finishes (encode/httpx#3215: much slower than aiohttp under concurrency), so its CPU per
request grows with the backlog; on a two-core box shared with the server the client then
falls behind its schedule and the server's measured throughput *drops* past saturation.
Here a request costs one write and a few reads on its connection, whatever the backlog:
waiting is an ``asyncio.Queue.get`` (O(1)). The time a request waits for a connection is
part of its latency (``openloop`` clocks from the scheduled send).

The most recently used connection is taken first (LIFO), so that at a low rate the idle
ones, not the busy ones, age past the server's keep-alive timeout (uvicorn: 5 s); a request
whose reused connection turns out closed by the server before any answer is sent again on
a new one (the server never saw it), once.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

__all__ = ["KeepAliveClient"]


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class KeepAliveClient:
    """``connections`` keep-alive connections to ``url`` (http only), opened on first use
    and reopened when the server closes one."""

    def __init__(self, url: str, *, connections: int = 64,
                 headers: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"an http:// URL is needed, not {url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        fixed = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in fixed.items()).encode()
        self._free: asyncio.LifoQueue[_Connection | None] = asyncio.LifoQueue()
        for _ in range(connections):
            self._free.put_nowait(None)  # a slot whose connection is opened when first used
        self._open: set[_Connection] = set()

    async def __aenter__(self) -> KeepAliveClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in list(self._open):
            self._forget(conn)

    async def post(self, path: str, body: bytes,
                   content_type: str = "application/json") -> tuple[int, bytes]:
        """The status and body of ``POST path``; raises on a broken connection or timeout
        (the slot is then reopened by the next request)."""
        request = (f"POST {path} HTTP/1.1\r\nContent-Type: {content_type}\r\n"
                   f"Content-Length: {len(body)}\r\n").encode() + self._head + b"\r\n" + body
        conn = await self._free.get()
        try:
            if conn is not None and conn.reader.at_eof():  # closed by the server while idle
                self._forget(conn)
                conn = None
            if conn is None:
                conn = await self._connect()
                status, answer, keep = await self._exchange(conn, request)
            else:
                try:
                    status, answer, keep = await self._exchange(conn, request)
                except (asyncio.IncompleteReadError, ConnectionError) as error:
                    if getattr(error, "partial", b""):
                        raise
                    self._forget(conn)  # closed under the request: nothing was answered
                    conn = await self._connect()
                    status, answer, keep = await self._exchange(conn, request)
        except BaseException:
            if conn is not None:
                self._forget(conn)
            self._free.put_nowait(None)
            raise
        if keep:
            self._free.put_nowait(conn)
        else:
            self._forget(conn)
            self._free.put_nowait(None)
        return status, answer

    async def _connect(self) -> _Connection:
        conn = _Connection(*await asyncio.open_connection(self.host, self.port))
        self._open.add(conn)
        return conn

    def _forget(self, conn: _Connection) -> None:
        conn.close()
        self._open.discard(conn)

    async def _exchange(self, conn: _Connection, request: bytes) -> tuple[int, bytes, bool]:
        conn.writer.write(request)
        return await asyncio.wait_for(self._response(conn.reader), self.timeout)

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip().lower()
        if "content-length" in fields:
            body = await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # the end of the (empty) trailer
            body = b"".join(chunks)
        else:  # the body runs until the server closes
            body = await reader.read()
            return status, body, False
        return status, body, fields.get("connection") != "close"
