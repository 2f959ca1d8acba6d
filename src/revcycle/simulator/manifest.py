"""The run's manifest: what was generated (messages by format, type and source; files; resends),
anomaly and claim counts from the labels, and the measured rates beside their targets.

It holds no timings, so the same seed gives a byte-identical ``manifest.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from revcycle.simulator.config import SimConfig
from revcycle.simulator.emission import Emission
from revcycle.simulator.rates import RateAccumulator


class Manifest:
    def __init__(self, config: SimConfig, code_origin: str, layout: str) -> None:
        self.config = config
        self.code_origin = code_origin
        self.layout = layout
        self.messages = 0
        self.resends = 0
        self.files = 0
        self.bytes = 0
        self.by_format: dict[str, int] = {}
        self.by_type: dict[str, dict[str, int]] = {}
        self.by_source: dict[str, int] = {}
        self.anomalies: dict[str, int] = {}
        self.claims: dict[str, int] = {}
        self.rates = RateAccumulator()

    def add(self, emission: Emission) -> None:
        self.messages += 1
        self.bytes += len(emission.payload)
        self.resends += 1 if emission.resend else 0
        self.by_format[emission.format] = self.by_format.get(emission.format, 0) + 1
        types = self.by_type.setdefault(emission.format, {})
        types[emission.message_type] = types.get(emission.message_type, 0) + 1
        self.by_source[emission.source] = self.by_source.get(emission.source, 0) + 1

    def add_labels(self, labels: Iterable[dict[str, Any]]) -> None:
        for record in labels:
            if record["kind"] == "anomaly":
                name = record["anomaly"]
                self.anomalies[name] = self.anomalies.get(name, 0) + 1
            elif record["kind"] == "claim":
                key = "primary" if record["rank"] == 1 else "secondary"
                self.claims[key] = self.claims.get(key, 0) + 1
                self.rates.add(record)

    def as_dict(self) -> dict[str, Any]:
        config = self.config
        targets = asdict(config.targets)
        return {
            "seed": config.seed,
            "start": config.start.isoformat(),
            "days": config.days,
            "visits_per_day": config.visits_per_day,
            "patients": config.patient_count,
            "anomaly_scale": config.anomaly_scale,
            "code_sets": self.code_origin,
            "layout": self.layout,
            "messages": {
                "total": self.messages,
                "resends": self.resends,
                "bytes": self.bytes,
                "by_format": dict(sorted(self.by_format.items())),
                "by_type": {f: dict(sorted(t.items())) for f, t in sorted(self.by_type.items())},
                "by_source": dict(sorted(self.by_source.items())),
            },
            "files": self.files,
            "claims": dict(sorted(self.claims.items())),
            "anomalies": dict(sorted(self.anomalies.items())),
            "rates": {k: round(v, 4) for k, v in self.rates.result().items()},
            "denial_rate_by_payer_class": {
                k: round(v, 4) for k, v in self.rates.denial_by_payer_class().items()
            },
            "targets": targets,
        }

    def dumps(self) -> str:
        return json.dumps(self.as_dict(), indent=2) + "\n"
