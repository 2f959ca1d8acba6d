"""``to_commands``: a parsed HL7 v2 message to canonical commands (``revcycle.domain.commands``).

The message type is MSH-9.1 and the trigger event MSH-9.2 (EVN-1 when MSH-9.2 is empty, as in some
v2.1/2.2 senders); see :mod:`.map_visits` (ADT, SIU) and :mod:`.map_financial` (DFT, BAR) for each
event. Any other message type or event maps to no command: the caller stores and acknowledges it as
unmapped. Errors are :class:`~.errors.Hl7MappingError` (a ``MappingError``; answered with AE), whose
PHI-free reason names the field (``"PID-3 missing"``) and whose ``hl7_code`` is from table 0357.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.hl7v2.map_common import text
from revcycle.adapters.formats.hl7v2.map_financial import bar_commands, dft_commands
from revcycle.adapters.formats.hl7v2.map_visits import adt_commands, siu_commands
from revcycle.adapters.formats.hl7v2.message import Message
from revcycle.domain import commands as c

MAPPED: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "ADT": frozenset({"A01", "A03", "A04", "A05", "A08", "A11", "A13", "A40"}),
        "SIU": frozenset({"S12", "S13", "S14", "S15", "S16", "S17", "S26"}),
        "DFT": frozenset({"P03", "P11"}),
        "BAR": frozenset({"P01", "P02", "P05", "P12"}),
    }
)


def event_of(message: Message) -> tuple[str, str]:
    """(message type, trigger event), upper-cased."""
    kind = (message.message_type or "").strip().upper()
    event = (message.trigger_event or text(message.segment("EVN"), 1) or "").strip().upper()
    return kind, event


def to_commands(message: Message, envelope: Envelope | None = None) -> list[c.Command]:
    """The canonical commands of one parsed message, in order (``envelope`` is not needed: the header
    is in the message)."""
    kind, event = event_of(message)
    if event not in MAPPED.get(kind, frozenset()):
        return []
    if kind == "ADT":
        return adt_commands(message, event)
    if kind == "SIU":
        return siu_commands(message, event)
    if kind == "DFT":
        return dft_commands(message)
    return bar_commands(message, event)
