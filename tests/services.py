"""Helpers for tests that need real services (PostgreSQL, NATS).

Locally a missing service skips its tests; with ``REVCYCLE_REQUIRE_SERVICES=1`` (CI) it fails them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = os.environ.get("REVCYCLE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(service: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{service} is not reachable on {host}:{port}"
    if os.environ.get("REVCYCLE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (REVCYCLE_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A fresh PostgreSQL database for one test session, dropped afterwards."""
    require("PostgreSQL", PG_HOST, PG_PORT)
    import psycopg

    name = f"revcycle_test_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
