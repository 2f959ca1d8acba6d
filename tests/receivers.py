"""Real receivers on loopback for the alert channels: an HTTP webhook receiver and an SMTP server
(aiosmtpd). Both bind to port 0 and record what they receive, with the time it arrived."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    at: float  # time.time() on arrival
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """Answers ``fail_first`` requests with ``fail_status``, then 200."""

    fail_first: int = 0
    fail_status: int = 500
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    url: str = ""
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def record(self, item: Received) -> int:
        with self._cond:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return self.fail_status
            self.received.append(item)
            self._cond.notify_all()
            return 200

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"received {len(self.received)} of {count} webhook calls")
                self._cond.wait(left)
            return list(self.received)


@contextmanager
def webhook_receiver(fail_first: int = 0, fail_status: int = 500) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(fail_first=fail_first, fail_status=fail_status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            item = Received(time.time(), self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            status = receiver.record(item)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    messages: list[Any] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"received {len(self.messages)} of {count} mails")
                self._cond.wait(left)
            return list(self.messages)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port; parsed messages land in the mailbox."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mail = message_from_bytes(envelope.content, policy=policy.default)
            with box._cond:
                box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
                box._cond.notify_all()
            return "250 Message accepted for delivery"

    with socket.socket() as probe:  # aiosmtpd's start() connects to its port: give it a real one
        probe.bind(("127.0.0.1", 0))
        box.port = int(probe.getsockname()[1])
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
