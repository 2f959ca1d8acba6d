"""The service catalogue: conditions, billable services, and the visit types that combine them.

Diagnoses are real ICD-10-CM billable codes drawn (see :mod:`.codes`) under the category prefixes of a
:class:`Condition`. Procedure codes are HCPCS Level II codes from the CMS file and a small set of
commonly cited CPT-format code numbers for E/M visits, labs, imaging and procedures. CPT descriptions
are AMA-copyrighted, so the labels here are our own short wording. Prices are synthetic: ``charge`` is
the chargemaster price, ``fee`` a Medicare-like allowed amount (in the range of the CMS physician fee
schedule for such services) that contracts scale per payer. Revenue codes follow the NUBC UB-04
revenue-code ranges (045x emergency room, 030x laboratory, 032x radiology, 035x CT, 061x MRI, 073x EKG,
048x cardiology, 042x physical therapy, 063x drugs, 051x clinic, 012x room and board, 025x pharmacy).

The tables are text (one row per line) so they stay readable; :meth:`Catalog.build` parses them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Condition:
    """A clinical condition: ICD-10-CM category prefixes its billable codes are drawn from."""

    name: str
    prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Service:
    """A billable service. ``supports`` names the conditions that justify it (empty: any diagnosis)."""

    code: str
    system: str  # "CPT" (CPT-format number), "HCPCS" (Level II) or "REV" (revenue code only, 837I)
    label: str
    kind: str
    charge: int  # cents
    fee: int  # cents
    revenue_code: str
    supports: tuple[str, ...] = ()
    auth: bool = False  # prior authorization usually required
    documentation: bool = False  # payers may ask for records (PWK)


#: condition: ICD-10-CM prefixes
CONDITIONS = """
hypertension I10 | diabetes E11 | hyperlipidemia E78 | hypothyroidism E03 | obesity E66 | prediabetes R73
uri J06 | pharyngitis J02 | influenza J10 J11 | bronchitis J20 | cough R05 | fever R50 | otitis H65 H66
back_pain M545 | knee_oa M17 | joint_pain M2551 M2556 | sprain S934 | anxiety F41 | depression F32 F33
gerd K21 | uti N390 | general_exam Z000 | screening Z12 Z13 | vaccination Z23 | anemia D50 D64
chest_pain R07 | abd_pain R10 | syncope R55 | headache R51 | afib I48 | chf I50 | cad I25 | copd J44
asthma J45 | pneumonia J18 | sepsis A41 | ami I21 | ckd N18 | aki N17 | cellulitis L03 | hip_fracture S720
head_injury S01 | sleep_apnea G4733 | vitamin_d E55
"""

#: code system kind charge fee revenue flags(A auth, D documentation, - none) label
SERVICES = """
99203 CPT em 18000 11000 0510 - Office visit, new, low
99204 CPT em 27000 16700 0510 - Office visit, new, moderate
99212 CPT em 9500 5700 0510 - Office visit, established, straightforward
99213 CPT em 15000 9200 0510 - Office visit, established, low
99214 CPT em 22000 13000 0510 - Office visit, established, moderate
99215 CPT em 30000 18400 0510 D Office visit, established, high
99395 CPT preventive 25000 14000 0510 - Preventive visit, 18-39
99396 CPT preventive 27000 15000 0510 - Preventive visit, 40-64
G0438 HCPCS preventive 26000 17500 0510 - Annual wellness visit, initial
G0439 HCPCS preventive 20000 11800 0510 - Annual wellness visit, subsequent
99283 CPT em 35000 7400 0450 - Emergency visit, moderate
99284 CPT em 60000 14000 0450 - Emergency visit, high
99285 CPT em 90000 20600 0450 D Emergency visit, highest
99223 CPT em 40000 20600 0510 - Initial hospital care, high
99232 CPT em 18000 8500 0510 - Subsequent hospital care, moderate
99238 CPT em 17000 7800 0510 - Hospital discharge day
36415 CPT lab 2500 300 0300 - Venipuncture
80048 CPT lab 9000 900 0301 - Basic metabolic panel
80053 CPT lab 12000 1100 0301 - Comprehensive metabolic panel
85025 CPT lab 6000 800 0305 - Complete blood count
83036 CPT lab 7000 1000 0301 - Hemoglobin A1c
80061 CPT lab 11000 1300 0301 - Lipid panel
84443 CPT lab 9500 1700 0301 - Thyroid stimulating hormone
81001 CPT lab 3500 300 0300 - Urinalysis
87880 CPT lab 5500 1600 0306 - Strep test, rapid
87804 CPT lab 6000 1600 0306 - Influenza test, rapid
71046 CPT imaging 25000 3200 0324 - Chest X-ray, 2 views
73030 CPT imaging 22000 3000 0320 - Shoulder X-ray
70450 CPT imaging 140000 11200 0351 - CT head without contrast
74177 CPT imaging 260000 33000 0352 A CT abdomen and pelvis with contrast
73721 CPT imaging 220000 22500 0610 A MRI knee without contrast
93000 CPT cardiology 12000 1700 0730 - Electrocardiogram
93306 CPT cardiology 130000 23000 0483 A Echocardiogram, complete
96372 CPT procedure 6000 1500 0510 - Injection, IM/SC
96374 CPT procedure 18000 4000 0260 - IV push, single drug
90471 CPT procedure 4000 1700 0771 - Immunization administration
90686 CPT drug 4500 2000 0636 - Influenza vaccine, quadrivalent
G0008 HCPCS procedure 4000 1700 0771 - Influenza vaccine administration
20610 CPT procedure 30000 6400 0510 - Joint injection, major joint
97110 CPT therapy 12000 3000 0420 A Therapeutic exercise, 15 min
97140 CPT therapy 11000 2800 0420 - Manual therapy, 15 min
J1885 HCPCS drug 4000 300 0636 - Ketorolac injection, 15 mg
J2405 HCPCS drug 3000 100 0636 - Ondansetron injection, 1 mg
J1100 HCPCS drug 2500 100 0636 - Dexamethasone injection, 1 mg
J3420 HCPCS drug 3000 100 0636 - Vitamin B-12 injection
J7030 HCPCS drug 9000 300 0636 - Normal saline infusion, 1000 cc
J0696 HCPCS drug 6000 200 0636 - Ceftriaxone injection, 250 mg
J1030 HCPCS drug 8000 800 0636 - Methylprednisolone acetate, 40 mg
ROOM REV room 280000 0 0120 - Room and board, semi-private, per day
PHARM REV room 60000 0 0250 - Pharmacy, general
SUPPLY REV room 30000 0 0270 - Medical and surgical supplies
"""

_METABOLIC = "diabetes prediabetes hyperlipidemia hypertension obesity ckd general_exam"
_RESP = "cough pneumonia bronchitis copd chf chest_pain asthma influenza fever"
_CARDIAC = "chest_pain afib chf cad hypertension syncope ami general_exam"
_INFECT = "sepsis pneumonia uti cellulitis fever influenza anemia general_exam"
_MSK = "back_pain knee_oa joint_pain sprain"
#: code: the conditions that support it (codes not listed accept any diagnosis)
SUPPORTS = f"""
99395 99396 G0438 G0439: general_exam
80048: {_METABOLIC} {_INFECT} aki
80053: {_METABOLIC} {_INFECT} aki abd_pain
85025: {_INFECT} anemia ckd abd_pain syncope
83036: diabetes prediabetes obesity
80061: hyperlipidemia hypertension diabetes cad general_exam
84443: hypothyroidism depression anxiety afib obesity
81001: uti diabetes abd_pain ckd general_exam aki
87880: pharyngitis uri fever
87804: influenza uri fever cough
71046: {_RESP}
73030: joint_pain sprain
70450: head_injury headache syncope
74177: abd_pain
73721: knee_oa joint_pain sprain
93000: {_CARDIAC}
93306: chf afib cad syncope chest_pain
90471 90686 G0008: vaccination
20610: knee_oa joint_pain
97110 97140: {_MSK}
J1885: {_MSK} headache abd_pain
J2405: abd_pain headache gerd
J1100: asthma copd bronchitis pharyngitis
J3420: anemia
J7030: sepsis syncope aki abd_pain
J0696: pneumonia uti cellulitis sepsis
J1030: knee_oa joint_pain
"""

_CLINIC_DX = (
    "hypertension:8 diabetes:6 hyperlipidemia:5 uri:4 back_pain:4 anxiety:3 depression:3 gerd:2 "
    "hypothyroidism:2 obesity:2 uti:2 cough:2 otitis:1 prediabetes:2 vitamin_d:1 asthma:1 copd:1 "
    "vaccination:2"
)
#: name | department | setting | weight | schedule code | primary code:weight | add-on code:probability |
#: condition:weight  (settings: clinic, urgent, ed, inpatient, outpatient (hospital), lab)
VISIT_TYPES = f"""
office_established|FM1|clinic|24|OV-EST|99212:10 99213:45 99214:35 99215:10|36415:.22 81001:.08 87880:.04 96372:.05 J3420:.02 90471:.05 90686:.05|{_CLINIC_DX}
office_new|FM1|clinic|5|OV-NEW|99203:55 99204:45|36415:.2|{_CLINIC_DX}
preventive|FM1|clinic|6|PREV|99396:1|36415:.4 90471:.1|general_exam:10 screening:2 vaccination:1
internal_medicine|IM2|clinic|11|OV-EST|99213:35 99214:45 99215:20|36415:.3 93000:.15|{_CLINIC_DX} ckd:2 afib:2 chf:1
cardiology|CARD2|clinic|6|CARD|99214:60 99215:40|93000:.6 93306:.18|afib:4 chf:3 cad:4 hypertension:4 chest_pain:3 syncope:1
orthopedics|ORTH2|clinic|5|ORTHO|99213:50 99214:50|20610:.3 J1030:.25 73030:.1 73721:.12|knee_oa:5 joint_pain:4 back_pain:3 sprain:2
physical_therapy|ORTH2|clinic|4|PT|97110:1|97140:.6|back_pain:4 knee_oa:3 joint_pain:2 sprain:2
sleep_medicine|SLP2|clinic|1|SLEEP|99204:50 99214:50||sleep_apnea:6 obesity:2
wound_care|WND1|clinic|.5|WOUND|99213:60 99214:40|J0696:.3|cellulitis:5 diabetes:2
urgent_care|UC3|urgent|12|UC|99203:15 99213:45 99214:40|87880:.25 87804:.2 71046:.1 73030:.06 96372:.1 J1885:.06 J1100:.06|uri:6 pharyngitis:4 influenza:3 bronchitis:3 sprain:3 otitis:2 uti:3 cough:3 fever:2 back_pain:1
emergency|HED|ed|10|ED|99283:35 99284:45 99285:20|80053:.45 85025:.5 71046:.25 70450:.12 93000:.25 96374:.2 J2405:.15 J1885:.1 J7030:.15 81001:.15|chest_pain:5 abd_pain:5 head_injury:2 syncope:2 headache:2 pneumonia:1 sprain:2 cellulitis:1 uti:1 asthma:1
inpatient|HMS|inpatient|3|ADMIT|99223:1|80053:.9 85025:.95 71046:.5 93000:.4 93306:.15 J0696:.3 J7030:.5|pneumonia:4 chf:4 sepsis:3 copd:3 ami:2 aki:2 cellulitis:2 hip_fracture:1 afib:2
outpatient_imaging|HRAD|outpatient|5|IMG|71046:40 74177:25 73721:35||abd_pain:3 knee_oa:3 joint_pain:2 cough:2 pneumonia:1
reference_lab|LAB4|lab|14|LAB|80053:30 83036:25 80061:25 84443:20|36415:.9 85025:.4|diabetes:5 hyperlipidemia:4 hypothyroidism:3 hypertension:3 general_exam:2 prediabetes:2 anemia:1
"""  # noqa: E501


@dataclass(frozen=True, slots=True)
class VisitType:
    """A kind of visit in a department: its primary service(s), add-ons and the conditions seen.

    ``primary`` is (service code, weight) pairs for the main service; ``addons`` (code, probability).
    ``setting`` is "clinic", "urgent", "ed", "inpatient", "outpatient" (hospital) or "lab".
    """

    name: str
    department: str
    setting: str
    weight: float
    schedule_code: str
    primary: tuple[tuple[str, float], ...]
    addons: tuple[tuple[str, float], ...]
    conditions: tuple[tuple[str, float], ...]


def _pairs(text: str) -> tuple[tuple[str, float], ...]:
    return tuple((key, float(value)) for key, value in (item.split(":") for item in text.split()))


def _rows(table: str) -> list[str]:
    return [line for line in table.strip().splitlines() if line.strip()]


def parse_conditions(table: str = CONDITIONS) -> tuple[Condition, ...]:
    entries = [entry.split() for line in _rows(table) for entry in line.split("|")]
    return tuple(Condition(parts[0], tuple(parts[1:])) for parts in entries)


def parse_services(table: str = SERVICES, supports: str = SUPPORTS) -> tuple[Service, ...]:
    supported: dict[str, tuple[str, ...]] = {}
    for line in _rows(supports):
        codes, _, names = line.partition(":")
        for code in codes.split():
            supported[code] = tuple(dict.fromkeys(names.split()))
    services = []
    for line in _rows(table):
        code, system, kind, charge, fee, revenue, flags, label = line.split(maxsplit=7)
        auth, documentation = "A" in flags, "D" in flags
        support = supported.get(code, ())
        services.append(
            Service(code, system, label, kind, int(charge), int(fee), revenue, support, auth, documentation)
        )
    return tuple(services)


def parse_visit_types(table: str = VISIT_TYPES) -> tuple[VisitType, ...]:
    found = []
    for line in _rows(table):
        name, department, setting, weight, schedule, primary, addons, conditions = line.split("|")
        mix = (_pairs(primary), _pairs(addons), _pairs(conditions))
        found.append(VisitType(name, department, setting, float(weight), schedule, *mix))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Look-ups over the catalogue (built once per world)."""

    services: dict[str, Service]
    conditions: dict[str, Condition]
    visit_types: tuple[VisitType, ...]

    @classmethod
    def build(cls) -> Catalog:
        return cls(
            services={s.code: s for s in parse_services()},
            conditions={c.name: c for c in parse_conditions()},
            visit_types=parse_visit_types(),
        )

    def coded(self) -> tuple[Service, ...]:
        """Services with a procedure code (the ones fee schedules price)."""
        return tuple(s for s in self.services.values() if s.system != "REV")
