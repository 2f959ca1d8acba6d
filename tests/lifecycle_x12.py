"""The claim-lifecycle X12 samples of ``tests/samples/lifecycle`` (hand-written, ours: see its README),
filled in: one claim's 837P, its 999 and 277CA, and 835s paying or denying it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples" / "lifecycle"


def fill(name: str, **values: Any) -> bytes:
    """A template with its placeholders filled and its SE segment count computed (ST to SE)."""
    text = (SAMPLES / name).read_text().format(se="{se}", **values)
    segments = [s.strip() for s in text.split("~") if s.strip()]
    start = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    end = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    return text.replace("{se}", str(end - start + 1)).encode()


@dataclass(frozen=True)
class ClaimSamples:
    """The X12 of one claim's life; ``n`` keeps control numbers and ids distinct between claims."""

    pcn: str
    n: int
    payer: str = "BCBS01"
    payer_name: str = "BLUE CROSS"
    member: str = "MEM00012345"

    @property
    def icn(self) -> str:
        return f"ICN{self.n:08d}"

    def claim_837(self, *, rank: str = "P", frequency: str = "1", original_icn: str | None = None) -> bytes:
        return fill(
            "837p.x12",
            isa=1000 + self.n,
            gs=str(1000 + self.n),
            pcn=self.pcn,
            rank=rank,
            member=self.member,
            payer=self.payer,
            payer_name=self.payer_name,
            frequency=frequency,
            ref_f8=f"REF*F8*{original_icn}~\n" if original_icn else "",
        )

    def ack_999(self, status: str = "A") -> bytes:
        return fill(
            "999.x12",
            isa=2000 + self.n,
            gs=str(2000 + self.n),
            gs_837=str(1000 + self.n),
            status=status,
            accepted=1 if status == "A" else 0,
        )

    def ack_277ca(self, category: str = "A2", status: str = "20") -> bytes:
        return fill(
            "277ca.x12",
            isa=3000 + self.n,
            gs=str(3000 + self.n),
            pcn=self.pcn,
            payer=self.payer,
            payer_name=self.payer_name,
            member=self.member,
            icn=self.icn,
            category=category,
            status=status,
        )

    def remit_partial(self, *, allowed: str = "100", paid: str = "80", drop_modifier: bool = False) -> bytes:
        """99213 allowed ``allowed`` (CO-45 = 125 - allowed, PR-2 20, paid = allowed - 20); 93000 bundled."""
        return fill(
            "835_partial.x12",
            isa=4000 + self.n,
            gs=str(4000 + self.n),
            trace=f"EFT{self.n:08d}",
            pcn=self.pcn,
            payer=self.payer,
            payer_name=self.payer_name,
            member=self.member,
            icn=self.icn,
            paid=paid,
            allowed=allowed,
            co45=str(125 - int(allowed)),
            svc_procedure="HC:99213" if drop_modifier else "HC:99213:25",
        )

    def remit_denied(self) -> bytes:
        return fill(
            "835_denied.x12",
            isa=5000 + self.n,
            gs=str(5000 + self.n),
            trace=f"EFT{self.n:08d}D",
            pcn=self.pcn,
            payer=self.payer,
            payer_name=self.payer_name,
            member=self.member,
            icn=self.icn,
        )
