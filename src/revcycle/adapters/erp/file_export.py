"""File export ERP: one file per batch (CSV or JSON) in an export folder, written atomically (a temp
file in the same folder, fsync, then ``os.replace``), so the ERP's import job never reads half a file.

CSV has one row per journal line with the journal's header fields repeated; JSON is ``{"journals":
[...]}``. The acknowledgment is the file name and the journal's position in it. An ERP importing the
folder de-duplicates by ``key`` (a batch resent after a crash carries the same keys).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from revcycle.domain.erp_payload import ErpJournal
from revcycle.service_layer.erp_ports import ErpAck, ErpUnavailable

HEADER = (
    *("key", "kind", "posting_date", "period", "currency", "legal_entity", "facility", "payer_class"),
    *("service_line", "line", "account", "debit", "credit", "cost_centre", "line_legal_entity", "dimension"),
)


def to_csv(journals: Sequence[ErpJournal]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for j in journals:
        head: tuple[str, ...] = (j.key, j.kind, j.posting_date, j.period, j.currency, j.legal_entity)
        head = (*head, j.facility or "", j.payer_class or "", j.service_line or "")
        for line in j.lines:
            tail = (line.line, line.account, line.debit, line.credit, line.cost_centre or "")
            writer.writerow((*head, *tail, line.legal_entity or "", line.dimension or ""))
    return buffer.getvalue().encode()


def to_json(journals: Sequence[ErpJournal]) -> bytes:
    return json.dumps({"journals": [j.to_dict() for j in journals]}, indent=1).encode()


def write_atomically(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        target = folder / name
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


class FileExportErp:
    name = "file"

    def __init__(self, folder: Path, fmt: str = "json") -> None:
        if fmt not in ("json", "csv"):
            raise ValueError("file export format must be json or csv")
        self.folder = folder
        self.fmt = fmt

    def post(self, journals: Sequence[ErpJournal]) -> list[ErpAck]:
        if not journals:
            return []
        digest = hashlib.sha256("\n".join(j.key for j in journals).encode()).hexdigest()[:16]
        name = f"journals-{journals[0].posting_date}-{digest}.{self.fmt}"
        data = to_csv(journals) if self.fmt == "csv" else to_json(journals)
        try:
            write_atomically(self.folder, name, data)
        except OSError as error:
            raise ErpUnavailable(f"cannot write the export file: {error.strerror}") from None
        return [ErpAck(j.key, f"{name}#{n}") for n, j in enumerate(journals, start=1)]
