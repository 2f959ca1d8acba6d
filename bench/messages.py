"""Synthetic HL7 v2 messages for the benchmarks (realistic size and shape, no real patients)."""

from __future__ import annotations

DFT_P03 = (
    "MSH|^~\\&|EPIC|NORTHCLINIC|REVCYCLE|BILLING|20261122083000||DFT^P03^DFT_P03|{control}|P|2.5.1|||AL|NE\r"
    "EVN|P03|20261122083000\r"
    "PID|1||MRN{patient:07d}^^^NORTH^MR||DOE^JANE^Q||19800101|F|||123 MAIN ST^^SPRINGFIELD^IL^62701||555-0100"
    "|||S||ACCT{patient:07d}\r"
    "PV1|1|O|CLINIC1^^^NORTH||||1234567893^SMITH^JOHN^^^MD|||||||||||V{patient:07d}|||||||||||||||||||||||||"
    "20261122080000\r"
    "FT1|1|{control}||20261122|20261122|CG|99213^Office visit est 15 min^CPT|||1|125.00|125.00|CARD^Cardiology"
    "|||||||1234567893^SMITH^JOHN^^^MD|1234567893^SMITH^JOHN^^^MD||||99213^Office visit^CPT|25\r"
    "FT1|2|{control}B||20261122|20261122|CG|93000^ECG complete^CPT|||1|48.00|48.00|CARD^Cardiology"
    "|||||||1234567893^SMITH^JOHN^^^MD|1234567893^SMITH^JOHN^^^MD||||93000^ECG^CPT\r"
    "DG1|1||I10^Essential hypertension^I10||20261122|A\r"
    "DG1|2||E11.9^Type 2 diabetes mellitus without complications^I10||20261122|A\r"
    "IN1|1|BCBS01^Blue Cross PPO|BCBS|Blue Cross Blue Shield|PO BOX 1^^CHICAGO^IL^60601||||GRP100|||20260101"
    "|20261231|||DOE^JANE^Q|01|19800101|||||||||||||||||||MEMB{patient:07d}\r"
)


def dft(control: str, patient: int) -> bytes:
    return DFT_P03.format(control=control, patient=patient).encode()
