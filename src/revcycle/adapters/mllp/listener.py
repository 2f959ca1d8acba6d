"""MLLP listener on asyncio streams: transport only (HL7 v2.5.1 Appendix C.4, MLLP Release 2).

Many persistent connections, each served by its own task: frames are decoded with
:class:`~revcycle.adapters.mllp.framing.MllpDecoder`, handed one at a time, in order, to
``handle(payload, conn)``, and the bytes it returns are framed and written back (an empty return sends
nothing, e.g. when enhanced-mode MSH-15 says no accept acknowledgment is wanted). Framing problems go
to ``on_frame_error(kind, prefix, conn)`` with ``kind`` one of ``"junk"``, ``"oversize"``,
``"incomplete"``; its non-empty return is framed and sent (e.g. an AR built from the prefix). A frame
cut by a disconnect is reported as ``"incomplete"`` too, but nothing can be sent back then.

A broken frame, a slow or vanished peer, a TLS failure or an exception in ``handle`` affects only its
own connection: the exception ends that connection (it is counted in ``stats.handler_failures`` and
logged) and every other connection carries on. Connections idle for ``idle_timeout`` seconds are closed.
``close()`` stops accepting, lets in-flight ``handle`` calls finish and send their ACKs, then closes
every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from revcycle.adapters.mllp.framing import (
    DEFAULT_MAX_FRAME,
    Frame,
    Incomplete,
    Junk,
    MllpDecoder,
    Oversize,
    encode,
)

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2575
_READ_SIZE = 65536


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """Who a frame came from: peer address, the listener's interface name, a per-listener id."""

    peer: str
    interface: str
    connection_id: int
    tls: bool = False


@dataclass(slots=True)
class ListenerStats:
    """Plain counters; the composition root exports them as metrics."""

    connections_open: int = 0
    connections_total: int = 0
    frames_received: int = 0
    frame_errors: int = 0
    acks_sent: int = 0
    idle_timeouts: int = 0
    handler_failures: int = 0
    connections_refused: int = 0


_T = TypeVar("_T")
Handler = Callable[[bytes, ConnectionInfo], Awaitable[bytes]]
FrameErrorHandler = Callable[[str, bytes, ConnectionInfo], Awaitable[bytes | None]]


class _HandlerFailed(Exception):
    """A callback raised; the failure was counted and logged, and its connection is closed."""


@dataclass(slots=True)
class _Connection:
    info: ConnectionInfo
    writer: asyncio.StreamWriter
    task: asyncio.Task[None] | None = None
    busy: bool = False
    stopping: bool = field(default=False)
    waiting_since: float = 0.0  # loop time the connection started waiting for its next bytes
    idle: bool = False  # closed by the idle sweep


def _peer_text(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


class MllpListener:
    """See the module docstring. Use ``await start()`` / ``await close()`` or ``async with``."""

    def __init__(
        self,
        handle: Handler,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        interface: str = "mllp",
        ssl_context: ssl.SSLContext | None = None,
        idle_timeout: float = 300.0,
        max_frame: int = DEFAULT_MAX_FRAME,
        on_frame_error: FrameErrorHandler | None = None,
        close_grace: float = 10.0,
        admit: Callable[[str], bool] | None = None,
        reuse_port: bool = False,
    ) -> None:
        self._handle = handle
        self._admit = admit
        self._on_frame_error = on_frame_error
        self.host = host
        self.requested_port = port
        self.interface = interface
        self._ssl = ssl_context
        self.idle_timeout = idle_timeout
        self.max_frame = max_frame
        self.close_grace = close_grace
        self.reuse_port = reuse_port  # SO_REUSEPORT: other processes listen on the same port too
        self.stats = ListenerStats()
        self._server: asyncio.Server | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._connections: dict[int, _Connection] = {}
        self._next_id = 0
        self._closing = False

    @property
    def port(self) -> int:
        """The bound port (useful with port 0); raises RuntimeError before ``start()``."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("listener not started")
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._closing = False
        self._server = await asyncio.start_server(
            self._serve,
            self.host,
            self.requested_port,
            ssl=self._ssl,
            limit=_READ_SIZE,
            reuse_port=self.reuse_port or None,
        )
        self._sweeper = asyncio.create_task(self._sweep_idle())

    async def __aenter__(self) -> MllpListener:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop accepting, let in-flight handles finish (up to ``close_grace`` s), close connections."""
        self._closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._server is not None:
            self._server.close()
        tasks = []
        for conn in list(self._connections.values()):
            conn.stopping = True
            if conn.task is not None:
                if not conn.busy:
                    conn.task.cancel()
                tasks.append(conn.task)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=self.close_grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._closing:
            writer.close()
            return
        peer = writer.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if self._admit is not None and not self._admit(host):
            self.stats.connections_refused += 1
            log.warning("MLLP %s: connection from %s refused (not on the allow-list)", self.interface, host)
            writer.close()
            return
        self._next_id += 1
        info = ConnectionInfo(
            peer=_peer_text(writer.get_extra_info("peername")),
            interface=self.interface,
            connection_id=self._next_id,
            tls=writer.get_extra_info("sslcontext") is not None,
        )
        conn = _Connection(info, writer, asyncio.current_task())
        self._connections[info.connection_id] = conn
        self.stats.connections_open += 1
        self.stats.connections_total += 1
        try:
            await self._run(conn, reader)
        except asyncio.CancelledError:
            if not conn.stopping:
                raise
            if conn.idle:
                self.stats.idle_timeouts += 1
        except (ConnectionError, ssl.SSLError, TimeoutError, _HandlerFailed) as exc:
            log.info(
                "mllp %s connection %d ended: %s", self.interface, info.connection_id, type(exc).__name__
            )
        finally:
            self.stats.connections_open -= 1
            self._connections.pop(info.connection_id, None)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _call(self, conn: _Connection, call: Awaitable[_T]) -> _T:
        """Await a callback; its failure ends only this connection (counted, logged, then closed).

        Awaited directly, not in a task of its own: a task per frame cost about a fifth of the
        listener's time per message. Cancelling the connection cancels the callback either way."""
        try:
            return await call
        except Exception as failure:  # any callback bug ends this connection only (logged with its type)
            self.stats.handler_failures += 1
            log.error(
                "mllp %s connection %d: callback failed",
                self.interface,
                conn.info.connection_id,
                exc_info=failure,
            )
            raise _HandlerFailed from None

    async def _send(self, conn: _Connection, payload: bytes | None) -> None:
        if payload:
            conn.writer.write(encode(payload))
            if conn.writer.transport.get_write_buffer_size():  # the socket did not take it all at once
                async with asyncio.timeout(self.idle_timeout):
                    await conn.writer.drain()
            self.stats.acks_sent += 1

    async def _frame_error(self, conn: _Connection, kind: str, prefix: bytes, *, reply: bool) -> None:
        self.stats.frame_errors += 1
        if self._on_frame_error is None:
            return
        answer = await self._call(conn, self._on_frame_error(kind, prefix, conn.info))
        if reply:
            await self._send(conn, answer)

    async def _sweep_idle(self) -> None:
        """Close connections that waited ``idle_timeout`` seconds for bytes. One sweep for all of them
        (a timer per read cost a few per cent of the listener's time per message); a connection whose
        message is being handled is never idle. Sweeps every quarter of the timeout, so a connection
        is closed between 1 and 1.25 timeouts after its last bytes."""
        loop = asyncio.get_running_loop()
        period = max(self.idle_timeout / 4, 0.01)
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            for conn in list(self._connections.values()):
                idle = not conn.busy and not conn.stopping and now - conn.waiting_since >= self.idle_timeout
                if idle and conn.task is not None:
                    conn.idle = conn.stopping = True
                    conn.task.cancel()

    async def _run(self, conn: _Connection, reader: asyncio.StreamReader) -> None:
        decoder = MllpDecoder(max_frame=self.max_frame)
        loop = asyncio.get_running_loop()
        while not conn.stopping:
            conn.waiting_since = loop.time()
            data = await reader.read(_READ_SIZE)
            if not data:
                for event in decoder.close():
                    if isinstance(event, Junk | Incomplete | Oversize):
                        kind = "junk" if isinstance(event, Junk) else "incomplete"
                        await self._frame_error(conn, kind, event.prefix, reply=False)
                return
            conn.busy = True
            try:
                for event in decoder.feed(data):
                    await self._dispatch(conn, event)
            finally:
                conn.busy = False

    async def _dispatch(self, conn: _Connection, event: Frame | Junk | Oversize | Incomplete) -> None:
        if isinstance(event, Frame):
            self.stats.frames_received += 1
            await self._send(conn, await self._call(conn, self._handle(event.payload, conn.info)))
        elif isinstance(event, Junk):
            await self._frame_error(conn, "junk", event.prefix, reply=True)
        elif isinstance(event, Oversize):
            await self._frame_error(conn, "oversize", event.prefix, reply=True)
        else:
            await self._frame_error(conn, "incomplete", event.prefix, reply=True)
