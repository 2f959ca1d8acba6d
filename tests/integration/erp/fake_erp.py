"""A small ERP REST endpoint on loopback (a real HTTP server, port 0) for the master-data pull tests:
``GET /payers?updated_since=...`` answers the records updated after the watermark."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class FakeErp:
    records: list[dict[str, Any]] = field(default_factory=list)
    required_header: tuple[str, str] | None = None
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        query = parse_qs(urlparse(path).query)
        since = query.get("updated_since", [None])[0]
        self.requests.append({"path": path, "since": since, "headers": headers})
        if self.required_header and headers.get(self.required_header[0].lower()) != self.required_header[1]:
            return 401, b'{"error": "unauthorized"}'
        if self.status != 200:
            return self.status, b"{}"
        chosen = [r for r in self.records if since is None or r["updated_at"] > since]
        return 200, json.dumps({"records": chosen}).encode()


@contextmanager
def serve(erp: FakeErp) -> Iterator[FakeErp]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = erp.answer(self.path, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    erp.url = f"http://127.0.0.1:{server.server_address[1]}/payers"
    try:
        yield erp
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
