"""The benchmarks' HTTP/1.1 client (``benchmarks/keepalive.py``) against a real uvicorn:
answers by Content-Length and chunked, connections reused, a connection the server closed
while idle replaced without losing the request, and waiting requests served in order."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from keepalive import KeepAliveClient  # noqa: E402

from tests.simulator.live_server import free_port  # noqa: E402


async def _echo(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """Echoes the body; ``/chunked`` answers it in two parts (chunked transfer encoding)."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    peer = f"{scope['client'][1]}".encode()  # the client's port: which connection it came on
    if scope["path"] == "/chunked":
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b"|" + peer})
        return
    answer = body + b"|" + peer
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


async def _with_server(check) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_echo, port=port, log_level="warning", lifespan="off",
                                           timeout_keep_alive=1))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        await check(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await serving


def test_answers_reuse_and_a_connection_closed_while_idle() -> None:
    async def check(url: str) -> None:
        async with KeepAliveClient(url, connections=2) as client:
            status, body = await client.post("/x", b"one")
            assert status == 200 and body.startswith(b"one|")
            first_port = body.split(b"|")[1]
            status, body = await client.post("/chunked", b"two")
            assert (status, body) == (201, b"two|" + first_port)  # the same connection, again
            await asyncio.sleep(1.6)  # past the server's keep-alive timeout: it closes it
            status, body = await client.post("/x", b"three")
            assert status == 200 and body.startswith(b"three|")
            assert body.split(b"|")[1] != first_port

    asyncio.run(_with_server(check))


def test_many_waiting_requests_are_all_answered_on_few_connections() -> None:
    async def check(url: str) -> None:
        async with KeepAliveClient(url, connections=3) as client:
            answers = await asyncio.gather(*(client.post("/x", str(k).encode())
                                             for k in range(300)))
        assert [a[1].split(b"|")[0] for a in answers] == [str(k).encode() for k in range(300)]
        assert len({a[1].split(b"|")[1] for a in answers}) == 3

    asyncio.run(_with_server(check))
