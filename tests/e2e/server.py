"""Run ``revcycle serve`` as a real subprocess for end-to-end tests."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``): a server's worker and edge processes."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.MULTILINE):
            found.append(int(status.parent.name))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        *,
        db_url: str | None = None,
        env: dict[str, str] | None = None,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.mllp_port = free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        # the self-signed certificate as the trusted CA
        self.verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(tls[0])) if tls else True
        self.env = {
            **os.environ,
            "REVCYCLE_DATA_DIR": str(data_dir),
            "REVCYCLE_HTTP_PORT": str(self.port),
            "REVCYCLE_MLLP_PORT": str(self.mllp_port),
            "REVCYCLE_LOG_LEVEL": "WARNING",
            **({"REVCYCLE_DB_URL": db_url} if db_url else {}),
            **({"REVCYCLE_TLS_CERT_FILE": str(tls[0]), "REVCYCLE_TLS_KEY_FILE": str(tls[1])} if tls else {}),
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"
        self.token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """A billing administrator's bearer token (made with ``revcycle users add`` on first start)."""
        assert self.token is not None, "start() the server first"
        return {"Authorization": f"Bearer {self.token}"}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``revcycle ARGS`` against this server's store."""
        return subprocess.run(
            [sys.executable, "-m", "revcycle.entrypoints.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def _admin_token(self) -> str:
        made = self.cli(
            "users", "add", "e2e-admin", "--role", "billing-admin", "--machine", "--token", "--json"
        )
        assert made.returncode == 0, made.stderr
        return str(json.loads(made.stdout)["token"])

    def add_user(self, username: str, roles: str) -> str:
        """A person's account (``revcycle users add``); answers its generated password."""
        made = self.cli("users", "add", username, "--role", roles, "--json")
        assert made.returncode == 0, made.stderr
        return str(json.loads(made.stdout)["password"])

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.token is None:
            self.token = self._admin_token()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "revcycle.entrypoints.cli", "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1, verify=self.verify).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush; what was committed is all that survives."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
