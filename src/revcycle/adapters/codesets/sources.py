"""Where code-set files are read from: a user folder (setting ``codesets_dir``) or the vendored copies.

A file ``name`` is found as ``name`` or ``name.gz`` (the vendored copies are gzip-compressed).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import IO

from revcycle.domain.rules.reference import ReferenceDataError

VENDORED = "vendored"


class CodeSetMissing(ReferenceDataError, FileNotFoundError):
    """A code-set file that neither the configured folder nor the vendored data holds."""


def vendored_dir() -> Path:
    return Path(str(resources.files("revcycle.adapters.codesets").joinpath("data")))


def folder_of(configured: Path | None) -> Path:
    return configured if configured is not None else vendored_dir()


def find(folder: Path, pattern: str) -> list[Path]:
    """Files matching a glob ``pattern`` (with or without ``.gz``), sorted by name."""
    found = {p.name.removesuffix(".gz"): p for p in folder.glob(pattern)}
    found.update({p.name.removesuffix(".gz"): p for p in folder.glob(pattern + ".gz")})
    return [found[name] for name in sorted(found)]


def open_text(path: Path, encoding: str) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def lines(folder: Path, name: str, encoding: str = "utf-8") -> Iterator[str]:
    for candidate in (folder / name, folder / (name + ".gz")):
        if candidate.is_file():
            with open_text(candidate, encoding) as handle:
                yield from handle
            return
    raise CodeSetMissing(f"code set {name} not found in {folder}")
