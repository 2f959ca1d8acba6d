"""ANSI X12 5010 adapter: the FormatAdapter seam of ``formats.base`` (``name``, ``identify``, ``parse``,
``to_commands``) for 837P / 837I, 835, 277CA, 999 and TA1 (270 / 271 / 276 and others are identified
and acknowledged, not mapped).

* ``identify`` (:mod:`.identify`) reads the ISA / GS / ST headers from the first bytes;
* ``parse`` (:mod:`.document`) streams the interchange through the split-based reader (:mod:`.reader`),
  checks the envelope (:mod:`.envelope`) and parses each transaction set into typed structures;
* ``to_commands`` (:mod:`.mapping`) maps them to canonical commands;
* ``acknowledge`` (:mod:`.gen999`) builds the 999 (or TA1) we return for an inbound interchange;
  ``build_837`` (:mod:`.gen837`) writes 837P / 837I.
"""

from __future__ import annotations

from revcycle.adapters.formats.x12.document import X12Document, iter_transactions
from revcycle.adapters.formats.x12.document import parse as _parse
from revcycle.adapters.formats.x12.gen837 import build_837
from revcycle.adapters.formats.x12.gen999 import acknowledge, build_999, build_ta1
from revcycle.adapters.formats.x12.identify import identify
from revcycle.adapters.formats.x12.mapping import to_commands
from revcycle.adapters.formats.x12.writer import Party12

name = "x12"


def parse(raw: bytes | memoryview) -> X12Document:
    """Parse an inbound interchange file strictly: TA1-level problems raise ``InterchangeRejected``."""
    return _parse(bytes(raw), strict=True)


__all__ = [
    "Party12",
    "X12Document",
    "acknowledge",
    "build_837",
    "build_999",
    "build_ta1",
    "identify",
    "iter_transactions",
    "name",
    "parse",
    "to_commands",
]
