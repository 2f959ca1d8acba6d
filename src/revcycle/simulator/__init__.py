"""Synthetic provider network: a seeded world and its day-by-day traffic, in the standards real sources use.

A :class:`~.world.World` (facilities, departments, providers, payers, contracts, patients) is built from a
seed; :func:`~.engine.simulate` then walks it day by day and yields :class:`~.emission.Emission` objects
(one message each: ERP master data, HL7 v2 SIU/ADT/DFT, X12 837/999/277CA/835, FHIR resources) together
with ground-truth label records. :mod:`.files` writes them to folders (``revcycle simulate --out``),
:mod:`.live` streams them to a running server (``--to``). Nothing here does work at import time.
"""

from __future__ import annotations

from revcycle.simulator.config import SimConfig

__all__ = ["SimConfig"]
