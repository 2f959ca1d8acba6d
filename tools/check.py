"""The whole test suite: lint, type check, tests. Exits non-zero when any step fails.

Run by the README's test command and by ``.ci/run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

# Test files are spread over this many pytest processes (pytest-xdist), a whole file to one process, so
# a module's fixtures (a fed server, the browser) are made once. Each process has its own scratch
# PostgreSQL database and temporary directories. 2 on the 2-core machine CI runs on: the suite takes
# about half as long as in one process (7.8 against 12 to 14.5 minutes there).
WORKERS = os.environ.get("REVCYCLE_TEST_WORKERS", "2")

STEPS: list[tuple[str, list[str]]] = [
    ("lint", [sys.executable, "-m", "ruff", "check", "src", "tests", "bench", "tools"]),
    ("format", [sys.executable, "-m", "ruff", "format", "--check", "src", "tests", "bench", "tools"]),
    ("types", [sys.executable, "-m", "mypy"]),
    (
        "tests",
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            WORKERS,
            "--dist",
            "loadfile",
            *sys.argv[1:],
        ],
    ),
]


def main() -> int:
    failed = []
    for name, command in STEPS:
        started = time.monotonic()
        print(f"==> {name}: {' '.join(command[2:])}", flush=True)
        code = subprocess.call(command)
        print(
            f"<== {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {time.monotonic() - started:.1f}s",
            flush=True,
        )
        if code != 0:
            failed.append(name)
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
