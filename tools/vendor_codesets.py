"""Refresh the vendored code sets (``src/revcycle/adapters/codesets/data``) from a folder of the
publishers' files (default ``../shared/data/codesets``); see that folder's ``PROVENANCE.md``."""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src" / "revcycle" / "adapters" / "codesets" / "data"
HCPCS = "hcpcs2019_HCPC2019_CONTR_ANWEB.txt"
ICD10 = "icd10cm_code-list-April-2026.txt"
POS = "pos_CodeSystem-CLM-POS-CD.fsh"


def main(source: Path) -> int:
    with (source / ICD10).open("rb") as raw, gzip.GzipFile(TARGET / f"{ICD10}.gz", "wb", 9, mtime=0) as out:
        shutil.copyfileobj(raw, out)
    with (source / HCPCS).open("rb") as raw:
        kept = [line for line in raw if len(line) > 292 and line[10:11] in (b"3", b"7")]
    with gzip.GzipFile(TARGET / f"{HCPCS}.gz", "wb", 9, mtime=0) as out:
        out.write(b"".join(kept))
    shutil.copyfile(source / POS, TARGET / POS)
    print(f"vendored into {TARGET}: ICD-10-CM list, {len(kept)} HCPCS records, POS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/codesets")))
