"""Fields, repetitions and components of a segment, split and unescaped on access.

HL7 v2.5.1 Ch. 2 §2.5 "Message framework": a field may repeat (repetition separator), a repetition has
components (component separator), a component has sub-components (sub-component separator). Indexes
are 1-based as in the standard; a missing element reads as ``""``. Leaf values are unescaped (§2.7,
see :mod:`.escapes`); ``raw`` keeps the text as written.
"""

from __future__ import annotations

from revcycle.adapters.formats.hl7v2.encoding import Delimiters
from revcycle.adapters.formats.hl7v2.escapes import unescape


def _pick(raw: str, sep: str, index: int) -> str:
    """Element ``index`` (1-based) of ``raw`` split on ``sep``; ``""`` when there is no such element."""
    if sep in raw:
        parts = raw.split(sep)
        return parts[index - 1] if index <= len(parts) else ""
    return raw if index == 1 else ""


class _Node:
    """Raw text plus the delimiters and codec needed to split and unescape it."""

    __slots__ = ("_codec", "_d", "raw")

    def __init__(self, raw: str, delimiters: Delimiters, codec: str) -> None:
        self.raw = raw
        self._d = delimiters
        self._codec = codec

    def __bool__(self) -> bool:
        return bool(self.raw)

    def __str__(self) -> str:
        return self.raw

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.raw!r})"


class Component(_Node):
    """One component: its sub-components, unescaped on access."""

    __slots__ = ()

    def subcomponents(self) -> list[str]:
        d = self._d
        return [unescape(part, d, self._codec) for part in self.raw.split(d.sub_split)]

    def __getitem__(self, sub: int) -> str:
        """Sub-component ``sub`` (1-based), unescaped; ``""`` when absent."""
        return unescape(_pick(self.raw, self._d.sub_split, sub), self._d, self._codec) if sub > 0 else ""

    @property
    def value(self) -> str:
        """The first sub-component, unescaped."""
        return self[1]


class Repetition(_Node):
    """One repetition of a field: its components."""

    __slots__ = ()

    def components(self) -> list[Component]:
        d, codec = self._d, self._codec
        return [Component(part, d, codec) for part in self.raw.split(d.comp_split)]

    def component(self, comp: int) -> Component:
        return Component(_pick(self.raw, self._d.comp_split, comp) if comp > 0 else "", self._d, self._codec)

    def __getitem__(self, comp: int) -> str:
        """Component ``comp``'s first sub-component, unescaped."""
        return self.component(comp)[1]

    @property
    def value(self) -> str:
        """The first component's first sub-component, unescaped."""
        return self[1]


class Field(_Node):
    """One field: its repetitions. Indexing and ``component`` read the first repetition."""

    __slots__ = ()

    def repetitions(self) -> list[Repetition]:
        if not self.raw:
            return []
        d, codec = self._d, self._codec
        return [Repetition(part, d, codec) for part in self.raw.split(d.rep_split)]

    def repetition(self, rep: int) -> Repetition:
        return Repetition(_pick(self.raw, self._d.rep_split, rep) if rep > 0 else "", self._d, self._codec)

    def component(self, comp: int) -> Component:
        return self.repetition(1).component(comp)

    def __getitem__(self, comp: int) -> str:
        """Component ``comp`` of the first repetition (its first sub-component), unescaped."""
        return self.component(comp)[1]

    @property
    def value(self) -> str:
        """The first repetition's first component's first sub-component, unescaped."""
        return self[1]
