"""A synthetic, TR3-valid 837P interchange of any size, produced lazily as a binary file object.

Used by the streaming memory test and the benchmark (a 1 GB file is generated to disk chunk by chunk,
never held in memory) and by load tests. The claims are fictitious: names, ids and NPIs are made up
(NPIs pass the Luhn check digit so validators accept them).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

_ISA = (
    "ISA*00*          *00*          *ZZ*SYNTHETIC      *ZZ*REVCYCLE       "
    "*261122*0930*^*00501*000000001*0*T*:~\n"
)
_GS = "GS*HC*SYNTHETIC*REVCYCLE*20261122*0930*1*X*005010X222A1~\n"
_SET_HEAD = (
    "ST*837*{st:04d}*005010X222A1~\n"
    "BHT*0019*00*{st:04d}*20261122*0930*CH~\n"
    "NM1*41*2*SYNTHETIC BILLING*****46*SYN001~\n"
    "PER*IC*BILLING DESK*TE*5555550100~\n"
    "NM1*40*2*EXAMPLE PAYER*****46*PAYER01~\n"
    "HL*1**20*1~\n"
    "PRV*BI*PXC*207Q00000X~\n"
    "NM1*85*2*EXAMPLE CLINIC*****XX*1234567893~\n"
    "N3*1 MAIN STREET~\n"
    "N4*SPRINGFIELD*IL*627010001~\n"
    "REF*EI*123456789~\n"
)
_CLAIM = (
    "HL*{hl}*1*22*0~\n"
    "SBR*P*18*GRP{n:06d}******CI~\n"
    "NM1*IL*1*DOE*PAT****MI*M{n:09d}~\n"
    "N3*2 ELM STREET~\n"
    "N4*SPRINGFIELD*IL*62701~\n"
    "DMG*D8*19800101*F~\n"
    "NM1*PR*2*EXAMPLE PAYER*****PI*PAYER01~\n"
    "CLM*PCN{n:09d}*150***11:B:1*Y*A*Y*Y~\n"
    "REF*G1*AUTH{n:06d}~\n"
    "HI*ABK:J069*ABF:R509~\n"
    "NM1*82*1*SMITH*ANN****XX*1234567893~\n"
    "PRV*PE*PXC*207Q00000X~\n"
    "LX*1~\n"
    "SV1*HC:99213:25*100*UN*1*11**1:2~\n"
    "DTP*472*D8*20261101~\n"
    "REF*6R*L{n:09d}A~\n"
    "LX*2~\n"
    "SV1*HC:87880*50*UN*1*11**1~\n"
    "DTP*472*D8*20261101~\n"
    "REF*6R*L{n:09d}B~\n"
)
SEGMENTS_PER_CLAIM = _CLAIM.count("~")
_SET_HEAD_SEGMENTS = _SET_HEAD.count("~")


def synthetic_837_chunks(claims: int, *, claims_per_set: int = 1000) -> Iterator[bytes]:
    """Yield the interchange in pieces of about one transaction set's claims at a time."""
    sets = max(1, -(-claims // claims_per_set))
    yield (_ISA + _GS).encode()
    number = 0
    for st in range(1, sets + 1):
        in_set = min(claims_per_set, claims - number) if claims else 0
        parts = [_SET_HEAD.format(st=st)]
        for k in range(in_set):
            number += 1
            parts.append(_CLAIM.format(hl=k + 2, n=number))
            if len(parts) >= 256:
                yield "".join(parts).encode()
                parts = []
        count = _SET_HEAD_SEGMENTS + in_set * SEGMENTS_PER_CLAIM + 1
        parts.append(f"SE*{count}*{st:04d}~\n")
        yield "".join(parts).encode()
    yield f"GE*{sets}*1~\nIEA*1*000000001~\n".encode()


class SyntheticStream(io.RawIOBase):
    """A read-only binary file object over :func:`synthetic_837_chunks` (nothing is held but one piece)."""

    def __init__(self, claims: int, *, claims_per_set: int = 1000) -> None:
        super().__init__()
        self._chunks = synthetic_837_chunks(claims, claims_per_set=claims_per_set)
        self._pending = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.bytes_read += size
        return size
