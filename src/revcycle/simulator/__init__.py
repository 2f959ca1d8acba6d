"""Synthetic provider network: a seeded world and its day-by-day traffic, in the standards real sources use.

A :class:`~.world.World` (facilities, departments, providers, payers, contracts) and its patients
(:mod:`.population`) are built from a seed; :class:`~.engine.Simulation` walks them day by day and
yields each day's :class:`~.emission.Emission` objects (one message each: ERP master data, HL7 v2
SIU/ADT/DFT, X12 837/999/277CA/835, FHIR resources) with ground-truth label records.

Entry points:

* ``files.write(config, root)`` / ``files.write_sharded(...)``: ``revcycle simulate --out DIR``;
* ``live.stream(config, LiveOptions(url, ...), stop=event, endless=True)``: ``revcycle simulate --to URL``
  (what ``revcycle demo`` needs: history unpaced with ``backfill_days``, then live);
* ``rates.measure(labels)``: the achieved rates beside :class:`~.rates.Targets`.

Nothing here does work at import time.
"""

from __future__ import annotations

from revcycle.simulator.config import SimConfig

__all__ = ["SimConfig"]
