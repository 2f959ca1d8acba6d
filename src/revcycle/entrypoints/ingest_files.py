"""File and folder ingest (``revcycle ingest``): into the local store, or sent to a running server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from revcycle.adapters.formats import masterdata
from revcycle.adapters.formats.base import UnreadableMessage
from revcycle.bootstrap import Container
from revcycle.service_layer.intake import Receipt, make_receipt

_MD_NAME = re.compile(r"(?:^|[_.-])MD_([A-Z_]+?)\.csv$", re.IGNORECASE)


def master_data_kind(path: Path) -> str | None:
    """The master-data kind of a CSV file, from its name: ``..._MD_PROVIDER.csv`` or ``provider.csv``."""
    if path.suffix.lower() != ".csv":
        return None
    match = _MD_NAME.search(path.name)
    kind = match.group(1).lower() if match else path.stem.lower()
    return kind if kind in masterdata.KINDS else None


def file_bytes(path: Path) -> bytes:
    """A file's content as the edge takes it: master-data CSV becomes the JSON wire form."""
    raw = path.read_bytes()
    kind = master_data_kind(path)
    if kind is None:
        return raw
    try:
        return masterdata.from_csv(kind, raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, UnreadableMessage):
        return raw  # the edge rejects it with its own reason and keeps it as a dead letter


_SKIP_SUFFIXES = {".md", ".py", ".pyc"}


def iter_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and child.suffix not in _SKIP_SUFFIXES:
                    yield child
        else:
            yield path


@dataclass
class IngestReport:
    files: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    processed: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"file": f, "reason": r} for f, r in self.rejected],
            "processed": self.processed,
        }


def ingest_local(container: Container, paths: list[Path], *, batch: int = 200) -> IngestReport:
    """Append every file durably (group-committed in batches), then process the log."""
    report = IngestReport()
    pending: list[tuple[Path, Receipt]] = []

    def flush() -> None:
        results = container.inbound_log.append_batch([r for _, r in pending])
        for (path, receipt), appended in zip(pending, results, strict=True):
            if appended.duplicate:
                report.duplicates += 1
            elif receipt.rejection is not None:
                report.rejected.append((path.name, str(receipt.rejection)))
            else:
                report.accepted += 1
        pending.clear()

    for path in iter_files(paths):
        report.files += 1
        raw = file_bytes(path)
        pending.append(
            (path, make_receipt(raw, interface="file", transport="file", identify=container.formats.identify))
        )
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    report.processed = container.worker.drain()
    return report


def ingest_remote(url: str, paths: list[Path], *, token: str | None, timeout: float = 60.0) -> IngestReport:
    """POST each file to ``{url}/api/v1/ingest``; the server acknowledges after its durable commit."""
    report = IngestReport()
    headers = {"X-Revcycle-Interface": "file"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with httpx.Client(base_url=url.rstrip("/"), timeout=timeout, headers=headers) as client:
        for path in iter_files(paths):
            report.files += 1
            response = client.post("/api/v1/ingest", content=file_bytes(path))
            if response.status_code == 202:
                report.accepted += 1
            elif response.status_code == 200:
                report.duplicates += 1
            else:
                detail = response.json().get("detail", response.reason_phrase) if response.content else ""
                report.rejected.append((path.name, f"HTTP {response.status_code}: {detail}"))
    return report
