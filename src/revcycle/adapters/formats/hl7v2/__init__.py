"""HL7 v2 format adapter (the :class:`~revcycle.adapters.formats.base.FormatAdapter` seam).

``identify(raw)`` reads the header cheaply (:mod:`.identify`), ``parse(raw)`` tokenizes one message and
checks its header (:mod:`.tokenizer`), ``to_commands(message, envelope)`` maps it to canonical commands
(:mod:`.mapping`); batches are split with :func:`split_messages`; acknowledgments are built by
:mod:`.ack`.
"""

from __future__ import annotations

from revcycle.adapters.formats.hl7v2.batch import Batch, is_batch, split_messages
from revcycle.adapters.formats.hl7v2.identify import identify
from revcycle.adapters.formats.hl7v2.mapping import to_commands
from revcycle.adapters.formats.hl7v2.message import Message, Segment
from revcycle.adapters.formats.hl7v2.path import Path, compile_path
from revcycle.adapters.formats.hl7v2.tokenizer import parse, tokenize

name = "hl7v2"

__all__ = [
    "Batch",
    "Message",
    "Path",
    "Segment",
    "compile_path",
    "identify",
    "is_batch",
    "name",
    "parse",
    "split_messages",
    "to_commands",
    "tokenize",
]
