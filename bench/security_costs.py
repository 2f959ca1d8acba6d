"""What security costs per operation, in CPU time (``time.process_time``, robust on a shared machine).

    .venv/bin/python bench/security_costs.py [--n 2000]

On a temporary SQLite store: argon2id hash and verify (a sign-in), bearer-token authentication (the
per-request check: cached for 5 s, and the store lookup behind it), a session lookup, one hash-chained audit append, AES-256-GCM seal + open of a
1.3 KB DFT^P03 (the raw message, encrypted at rest) with the bare copy of the same bytes beside it, and
masking a 1,000-patient answer. Prints a Markdown table (see bench/results/security.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from messages import dft

from revcycle.adapters.store.encrypted import key_ring
from revcycle.bootstrap import build
from revcycle.security import credentials
from revcycle.security.audit_chain import AuditEntry
from revcycle.security.masking import mask
from revcycle.security.permissions import Role
from revcycle.settings import Settings


def cpu_per_op(label: str, n: int, op: Callable[[], object]) -> tuple[str, float]:
    start = time.process_time()
    for _ in range(n):
        op()
    return label, (time.process_time() - start) / n * 1e6


def ingest_over_http(folder: Path, n: int) -> list[tuple[str, float]]:
    """``POST /api/v1/ingest/hl7v2`` through the whole app (TestClient, worker off), with the gate
    bypassed (``auth_disabled``) and with a bearer token: what authentication adds per request."""
    from fastapi.testclient import TestClient

    from revcycle.entrypoints.api.app import create_app

    rows = []
    for label, disabled in (
        ("ingest over HTTP, gate bypassed", True),
        ("ingest over HTTP, bearer token", False),
    ):
        settings = Settings(
            data_dir=folder / label.replace(" ", "-"),
            workers=False,
            mllp_enabled=False,
            auth_disabled=disabled,
            group_commit_max=1,
        )
        with TestClient(create_app(lambda s=settings: build(s))) as client:  # type: ignore[misc]
            container = client.app.state.container  # type: ignore[attr-defined]
            container.accounts.add_user("feeder", (Role.INTEGRATION_ENGINEER,), None)
            _, token = container.accounts.create_token("feeder", "bench")
            headers = {"Authorization": f"Bearer {token}"}
            counter = iter(range(10**9))

            def post(
                client: TestClient = client, counter: object = counter, headers: object = headers
            ) -> object:
                number = next(counter)  # type: ignore[call-overload]
                return client.post("/api/v1/ingest/hl7v2", content=dft(f"H{number:06d}", 1), headers=headers)  # type: ignore[arg-type]

            rows.append(cpu_per_op(label, n, post))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as folder:
        container = build(Settings(data_dir=Path(folder), workers=False))
        accounts, audit = container.accounts, container.audit
        accounts.add_user("bench", (Role.BILLING_ADMIN,), "correct horse battery")
        _, token = accounts.create_token("bench", "bench")
        session = accounts.login("bench", "correct horse battery", source=None).session_token
        assert session is not None
        stored = credentials.hash_password("correct horse battery")
        ring = key_ring(container.engine.dialect)
        raw = dft("B000001", 1)
        page = {
            "items": [
                {"id": i, "account": f"A{i}", "data": {"family_name": "X", "given_name": "Y", "sex": "F"}}
                for i in range(1000)
            ]
        }
        rows = [
            cpu_per_op(
                "argon2id hash (new password)", 20, lambda: credentials.hash_password("pw pw pw pw pw")
            ),
            cpu_per_op("argon2id verify (a sign-in)", 20, lambda: credentials.verify_password(stored, "x")),
            cpu_per_op(
                "bearer token authentication, cached (within 5 s)", n * 10, lambda: accounts.token(token)
            ),
            cpu_per_op(
                "bearer token authentication, uncached (SQLite lookup)",
                n,
                lambda: (accounts.forget_tokens(), accounts.token(token)),
            ),
            cpu_per_op("session cookie lookup (SQLite)", n, lambda: accounts.session(session)),
            cpu_per_op(
                "audit append, hash-chained (SQLite commit)",
                n // 4,
                lambda: audit.record(AuditEntry(actor="bench", action="patients.read", kind="phi-read")),
            ),
            cpu_per_op(f"bare copy of a {len(raw)} B message", n * 10, lambda: bytes(bytearray(raw))),
            cpu_per_op(
                f"AES-256-GCM seal + open, {len(raw)} B message",
                n * 10,
                lambda: ring.decrypt(ring.encrypt(raw, "inbound_messages.raw"), "inbound_messages.raw"),
            ),
            cpu_per_op("mask a 1,000-patient answer", 50, lambda: mask(page)),
        ]
        verified = audit.verify()
        assert verified.intact
        verify_start = time.process_time()
        audit.verify()
        rows.append(
            (
                f"audit verify, per entry ({verified.entries} entries)",
                (time.process_time() - verify_start) / verified.entries * 1e6,
            )
        )
        container.engine.dispose()
        rows += ingest_over_http(Path(folder), n // 4)
    print("| operation | CPU per op |\n| --- | ---: |")
    for label, micros in rows:
        print(f"| {label} | {micros:,.1f} us |")


if __name__ == "__main__":
    main()
