"""Paths that address one value in a message: ``PID-3[2].4.1``, ``FT1[2]-7.1``, ``MSH-9.2``.

Grammar (all numbers 1-based, as in the standard)::

    SEG[occurrence]-FIELD[repetition].COMPONENT.SUBCOMPONENT

Only the segment id and the field number are required. Defaults: the first occurrence of the segment,
the first repetition, the first component, the first sub-component; so ``PID-18`` reads PID-18.1 (the
HL7 convention for referring to a composite by its first component). MSH-1 is the field separator and
MSH-2 the encoding characters (HL7 v2.5.1 Ch. 2 §2.15.9), so MSH-9 is the message type.

Compile a path once with :func:`compile_path` where it is used in a loop; ``Message.get`` also accepts
the string form and compiles it on each call.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_PATH = re.compile(
    r"([A-Z][A-Z0-9]{2})(?:\[([1-9][0-9]*)\])?-([1-9][0-9]*)(?:\[([1-9][0-9]*)\])?"
    r"(?:\.([1-9][0-9]*)(?:\.([1-9][0-9]*))?)?"
)


class Path(NamedTuple):
    """A compiled path; see the module docstring."""

    segment: str
    occurrence: int
    field: int
    repetition: int
    component: int
    subcomponent: int

    def __str__(self) -> str:
        return (
            f"{self.segment}[{self.occurrence}]-{self.field}[{self.repetition}]"
            f".{self.component}.{self.subcomponent}"
        )


def compile_path(text: str) -> Path:
    """Parse ``text``; raises ValueError (naming the path, which holds no message data) when malformed."""
    match = _PATH.fullmatch(text)
    if match is None:
        raise ValueError(f"not an HL7 v2 path: {text!r} (expected e.g. 'PID-3[1].1')")
    seg, occ, field, rep, comp, sub = match.groups()
    return Path(
        seg,
        int(occ) if occ else 1,
        int(field),
        int(rep) if rep else 1,
        int(comp) if comp else 1,
        int(sub) if sub else 1,
    )
