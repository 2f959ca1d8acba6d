"""The one registry of formats. A new format is one module (``name``, ``identify``, ``parse``,
``to_commands``) plus one line in ``FORMAT_MODULES``. Modules are imported when the registry is built
by the composition root, never at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import cast

from revcycle.adapters.formats.base import Envelope, FormatAdapter, UnknownFormat, UnreadableMessage

FORMAT_MODULES: tuple[str, ...] = (
    "revcycle.adapters.formats.hl7v2",
    "revcycle.adapters.formats.x12",
    "revcycle.adapters.formats.fhir",
    "revcycle.adapters.formats.masterdata",
    "revcycle.adapters.formats.manualremit",
)

_BOM = b"\xef\xbb\xbf"


def sniff(raw: bytes) -> str | None:
    """Which format the bytes look like, from their first significant bytes."""
    head = raw[:64]
    if head.startswith(_BOM):
        head = head[3:]
    head = head.lstrip(b" \t\r\n")
    if head[:3] in (b"MSH", b"FHS", b"BHS"):
        return "hl7v2"
    if head[:3] == b"ISA":
        return "x12"
    if head[:1] == b"{" and b'"manual_remittance"' in head:
        return "manualremit"
    if head[:1] in (b"{", b"["):
        return "masterdata" if b'"records"' in raw[:4096] and b'"kind"' in raw[:4096] else "fhir"
    return None


class FormatRegistry:
    def __init__(self, adapters: Mapping[str, FormatAdapter]) -> None:
        self.adapters = dict(adapters)

    def adapter(self, name: str) -> FormatAdapter:
        try:
            return self.adapters[name]
        except KeyError:
            raise UnknownFormat(f"no adapter for format {name!r}") from None

    def identify(self, raw: bytes) -> Envelope:
        """Sniff the format, then read the header with that format's adapter."""
        if not raw.strip(b" \t\r\n\x00\x0b\x1c"):
            raise UnreadableMessage("empty message")
        name = sniff(raw)
        if name is None or name not in self.adapters:
            raise UnknownFormat("not HL7 v2 (MSH), X12 (ISA), FHIR JSON or master data")
        return self.adapters[name].identify(raw)


def load_registry(modules: Iterable[str] = FORMAT_MODULES) -> FormatRegistry:
    """Import the format modules that are installed and complete (``identify``/``parse``/``to_commands``)."""
    adapters: dict[str, FormatAdapter] = {}
    for path in modules:
        module = importlib.import_module(path)
        if all(hasattr(module, attr) for attr in ("name", "identify", "parse", "to_commands")):
            adapters[module.name] = cast(FormatAdapter, module)
    return FormatRegistry(adapters)
