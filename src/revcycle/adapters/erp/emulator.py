"""An ERP emulator (``revcycle erp-emulator``): a real HTTP server that accepts journal batches the way a
general ledger's journal-import API does, idempotently by key, and answers with document ids.

Routes::

    POST /journals            {"journals": [...]} -> {"results": [{"key", "document_id", "duplicate"}]}
    GET  /journals            every journal held, with how many times each key was received
    GET  /journals/{key}      one journal
    POST /control             {"mode": "ok" | "fail" | "slow" | "timeout_after_commit",
                               "count": N (requests the mode applies to; 0 = until changed),
                               "delay": seconds (slow, and how long a timeout hangs)}
    GET  /health

It refuses (422) a journal that does not balance or lacks a key, and (401) a request without the
bearer token when started with one. ``timeout_after_commit`` commits the batch and then hangs past the
client's timeout, the case that makes exactly-once posting hard. With ``state`` the journals are kept
in a JSON-lines file and reloaded on start.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODES = ("ok", "fail", "slow", "timeout_after_commit")


class EmulatorState:
    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.journals: dict[str, dict[str, Any]] = {}
        self.received: dict[str, int] = {}
        self.requests = 0
        self.mode = "ok"
        self.count = 0
        self.delay = 0.0
        self.path = path
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    self.journals[record["key"]] = record
                    self.received[record["key"]] = record.get("received", 1)

    def set_mode(self, mode: str, count: int, delay: float) -> None:
        with self.lock:
            self.mode, self.count, self.delay = mode, count, delay

    def take_mode(self) -> tuple[str, float]:
        """The mode for this request (a counted mode falls back to ok once used up)."""
        with self.lock:
            self.requests += 1
            mode, delay = self.mode, self.delay
            if self.count > 0:
                self.count -= 1
                if self.count == 0:
                    self.mode = "ok"
            return mode, delay

    def commit(self, journals: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = []
        with self.lock:
            fresh = []
            for journal in journals:
                key = journal["key"]
                self.received[key] = self.received.get(key, 0) + 1
                held = self.journals.get(key)
                if held is None:
                    held = dict(journal, document_id=f"DOC-{len(self.journals) + 1:08d}")
                    self.journals[key] = held
                    fresh.append(held)
                duplicate = held not in fresh
                results.append({"key": key, "document_id": held["document_id"], "duplicate": duplicate})
            if self.path is not None and fresh:
                with self.path.open("a", encoding="utf-8") as out:
                    for held in fresh:
                        out.write(json.dumps(held) + "\n")
        return results


def problems_of(journal: Any) -> str | None:
    if not isinstance(journal, dict) or not isinstance(journal.get("key"), str) or not journal["key"]:
        return "a journal without a key"
    lines = journal.get("lines")
    if not isinstance(lines, list) or len(lines) < 2:
        return f"journal {journal['key']}: fewer than two lines"
    try:
        debit = sum((Decimal(str(line["debit"])) for line in lines), Decimal(0))
        credit = sum((Decimal(str(line["credit"])) for line in lines), Decimal(0))
    except (KeyError, TypeError, InvalidOperation):
        return f"journal {journal['key']}: a line without debit and credit amounts"
    if debit != credit or debit <= 0:
        return f"journal {journal['key']}: debits {debit} != credits {credit}"
    return None


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def _authorised(self) -> bool:
        token = self.server.token
        if not token:
            return True
        scheme, _, given = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
        self._send(401, {"error": "missing or invalid bearer token"})
        return False

    def do_GET(self) -> None:
        state = self.server.state
        if self.path == "/health":
            self._send(200, {"status": "ok", "journals": len(state.journals)})
        elif not self._authorised():
            return
        elif self.path == "/journals":
            with state.lock:
                self._send(200, {"journals": list(state.journals.values()), "received": dict(state.received)})
        elif self.path.startswith("/journals/"):
            held = state.journals.get(self.path.removeprefix("/journals/"))
            self._send(200 if held else 404, held or {"error": "no such journal"})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if not self._authorised():
            return
        try:
            body = self._body()
        except (ValueError, UnicodeDecodeError):
            self._send(400, {"error": "the body is not JSON"})
            return
        if self.path == "/control":
            self._control(body)
        elif self.path == "/journals":
            self._journals(body)
        else:
            self._send(404, {"error": "not found"})

    def _control(self, body: Any) -> None:
        mode = body.get("mode") if isinstance(body, dict) else None
        if mode not in MODES:
            self._send(400, {"error": f"mode must be one of {', '.join(MODES)}"})
            return
        self.server.state.set_mode(mode, int(body.get("count", 0)), float(body.get("delay", 0.0)))
        self._send(200, {"mode": mode})

    def _journals(self, body: Any) -> None:
        journals = body.get("journals") if isinstance(body, dict) else None
        if not isinstance(journals, list):
            self._send(400, {"error": 'expected {"journals": [...]}'})
            return
        for journal in journals:
            problem = problems_of(journal)
            if problem:
                self._send(422, {"error": problem})
                return
        state = self.server.state
        mode, delay = state.take_mode()
        if mode == "fail":
            self._send(503, {"error": "the ERP is unavailable (emulated)"})
            return
        if mode == "slow":
            time.sleep(delay)
        results = state.commit(journals)
        if mode == "timeout_after_commit":
            time.sleep(delay or 30.0)  # committed; the client gives up before this answer
            self.close_connection = True
            return
        self._send(200, {"results": results})


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, *, token: str | None = None, state: Path | None = None) -> None:
        super().__init__((host, port), _Handler)
        self.token = token
        self.state = EmulatorState(state)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"
