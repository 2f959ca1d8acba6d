"""Injected anomalies: how often each happens, and the ground-truth label each leaves.

Every label carries the ids revcycle stores, so a scorer can match a finding to its label: HL7 control
ids (MSH-10) with the sender (MSH-3^MSH-4), FT1-2 transaction ids, PV1-19 visit numbers, SCH-1
appointment ids, X12 patient control numbers (CLM01 = 835 CLP01) and line control numbers (REF*6R).

Rates are per opportunity (a message, a visit, an appointment, a claim) and are multiplied by
``SimConfig.anomaly_scale``. They are set to give a work queue of realistic size; published figures put
duplicate charges at about 1% of charge lines and missing charges (lost charges) at 1-5% of encounters
(HFMA "charge capture" studies), front-end code rejections at about 1-2% of claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AnomalyRates:
    resend: float = 0.006  # an HL7 message sent again, same bytes and MSH-10 (interface retry)
    duplicate_charge: float = 0.008  # a DFT posted again with new MSH-10 and new FT1 ids
    duplicate_billed: float = 0.3  # share of re-entered duplicates that reach the claim
    missing_charge: float = 0.012  # an encounter that never gets its DFT
    unmapped_service: float = 0.02  # an appointment whose AIS-3 is a local code with no charge code
    invalid_icd10: float = 0.005  # a non-billable header code on the charge and claim
    invalid_hcpcs: float = 0.003  # an expired (terminated) HCPCS code on a line
    underpayment: float = 0.015  # a paid claim with one line paid below contract
    stale_rate_window: int = 15  # days after a renewal during which the payer pays old rates
    stale_rate: float = 0.6  # share of renewed-contract claims paid at old rates in that window
    late_charge: float = 0.003  # a charge for an old visit, past the payer's timely-filing limit

    def scaled(self, scale: float) -> AnomalyRates:
        return AnomalyRates(
            resend=self.resend * scale,
            duplicate_charge=self.duplicate_charge * scale,
            duplicate_billed=self.duplicate_billed,
            missing_charge=self.missing_charge * scale,
            unmapped_service=self.unmapped_service * scale,
            invalid_icd10=self.invalid_icd10 * scale,
            invalid_hcpcs=self.invalid_hcpcs * scale,
            underpayment=self.underpayment * scale,
            stale_rate_window=self.stale_rate_window,
            stale_rate=self.stale_rate * min(scale, 1.0),
            late_charge=self.late_charge * scale,
        )


def label(anomaly: str, day: int, **ids: Any) -> dict[str, Any]:
    """An anomaly label record (``kind`` = "anomaly"); ``day`` is the simulation day it happened."""
    return {"kind": "anomaly", "anomaly": anomaly, "day": day, **ids}
