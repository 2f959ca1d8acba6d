"""FHIR R4 inbound adapter: the FormatAdapter seam of ``formats.base`` (``name``, ``identify``,
``parse``, ``to_commands``).

``identify`` reads the header cheaply, ``parse`` decodes the billing subset of the resources (msgspec),
``to_commands`` maps them to canonical commands (``mapping``). Also: ``strict.validate`` (optional
validation with fhir.resources) and ``outcome.operation_outcome`` (our errors as an OperationOutcome).
"""

from __future__ import annotations

from revcycle.adapters.formats.fhir.decode import Parsed, decode
from revcycle.adapters.formats.fhir.identify import identify
from revcycle.adapters.formats.fhir.mapping import to_commands

name = "fhir"


def parse(raw: bytes | memoryview, *, expected_type: str | None = None) -> Parsed:
    """Decode a FHIR R4 resource or Bundle (see ``decode.decode``)."""
    return decode(raw, expected_type=expected_type)


__all__ = ["identify", "name", "parse", "to_commands"]
