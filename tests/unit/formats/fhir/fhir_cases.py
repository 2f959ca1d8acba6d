"""Expected outcomes for every file in shared/data/fhir (see shared/data/SOURCES.md, fhir section).

``ACCEPTED`` maps a file name to (resourceType, id, status); ``REJECTED`` maps a file name to the error
class and the reason it must give. ``BUNDLE_COUNTS`` are the entry counts SOURCES.md lists.
"""

from __future__ import annotations

from pathlib import Path

from revcycle.adapters.formats.fhir.errors import FhirUnreadable, UnsupportedResourceType

FHIR_DIR = "fhir"

ACCEPTED: dict[str, tuple[str, str | None, str | None]] = {
    "bfd__claimMcsRead.json": ("Claim", "m-654321", "active"),
    "bfd__claimResponseMcsRead.json": ("ClaimResponse", "m-654321", "active"),
    "bfd__coverageRead.json": ("Coverage", "part-a-567834", "cancelled"),
    "bfd__eobReadCarrier.json": ("ExplanationOfBenefit", "carrier-9991831999", "active"),
    "bfd__eobReadDme.json": ("ExplanationOfBenefit", "dme-2188888888", "active"),
    "bfd__eobReadInpatient.json": ("ExplanationOfBenefit", "inpatient-333333222222", "active"),
    "bfd__eobReadOutpatient.json": ("ExplanationOfBenefit", "outpatient-1234567890", "active"),
    "bfd__eobReadPde.json": ("ExplanationOfBenefit", "pde-89", "active"),
    "bfd__patientRead.json": ("Patient", "567834", None),
    "r4example__Account-example.json": ("Account", "example", "active"),
    "r4example__Appointment-2docs.json": ("Appointment", "2docs", "booked"),
    "r4example__Appointment-example.json": ("Appointment", "example", "booked"),
    "r4example__ChargeItem-example.json": ("ChargeItem", "example", "billable"),
    "r4example__Claim-100150.json": ("Claim", "100150", "active"),
    "r4example__Claim-100151.json": ("Claim", "100151", "active"),
    "r4example__Claim-100152.json": ("Claim", "100152", "active"),
    "r4example__Claim-100153.json": ("Claim", "100153", "active"),
    "r4example__Claim-100154.json": ("Claim", "100154", "active"),
    "r4example__Claim-660150.json": ("Claim", "660150", "active"),
    "r4example__Claim-660151.json": ("Claim", "660151", "active"),
    "r4example__Claim-760150.json": ("Claim", "760150", "active"),
    "r4example__Claim-760151.json": ("Claim", "760151", "active"),
    "r4example__Claim-860150.json": ("Claim", "860150", "active"),
    "r4example__Claim-960150.json": ("Claim", "960150", "active"),
    "r4example__Claim-MED-00050.json": ("Claim", "MED-00050", "active"),
    "r4example__ClaimResponse-R3500.json": ("ClaimResponse", "R3500", "active"),
    "r4example__ClaimResponse-R3501.json": ("ClaimResponse", "R3501", "active"),
    "r4example__Coverage-7546D.json": ("Coverage", "7546D", "active"),
    "r4example__Coverage-9876B1.json": ("Coverage", "9876B1", "active"),
    "r4example__Coverage-SP1234.json": ("Coverage", "SP1234", "active"),
    "r4example__Encounter-emerg.json": ("Encounter", "emerg", "in-progress"),
    "r4example__Encounter-example.json": ("Encounter", "example", "in-progress"),
    "r4example__Encounter-f001.json": ("Encounter", "f001", "finished"),
    "r4example__Encounter-f002.json": ("Encounter", "f002", "finished"),
    "r4example__ExplanationOfBenefit-EB3500.json": ("ExplanationOfBenefit", "EB3500", "active"),
    "r4example__Patient-example.json": ("Patient", "example", None),
    "r4example__Patient-f001.json": ("Patient", "f001", None),
    "r4example__Patient-pat1.json": ("Patient", "pat1", None),
    "r4example__PaymentReconciliation-ER2500.json": ("PaymentReconciliation", "ER2500", "active"),
}

REJECTED: dict[str, tuple[type[FhirUnreadable], str]] = {
    "r4example__CoverageEligibilityRequest-52345.json": (
        UnsupportedResourceType,
        "resource type CoverageEligibilityRequest is not supported",
    ),
    "r4example__CoverageEligibilityResponse-E2501.json": (
        UnsupportedResourceType,
        "resource type CoverageEligibilityResponse is not supported",
    ),
    "r4example__Invoice-example.json": (UnsupportedResourceType, "resource type Invoice is not supported"),
    "r4example__PaymentNotice-77654.json": (
        UnsupportedResourceType,
        "resource type PaymentNotice is not supported",
    ),
}

BUNDLE_COUNTS: dict[str, dict[str, int]] = {
    "synthea__Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json": {
        "Patient": 1, "Organization": 1, "Practitioner": 1, "Encounter": 3, "Observation": 48,
        "Immunization": 4, "DiagnosticReport": 4, "Claim": 3, "ExplanationOfBenefit": 3, "Condition": 1,
        "Procedure": 1,
    },
    "synthea__Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json": {
        "Patient": 1, "Organization": 1, "Practitioner": 1, "Encounter": 4, "Observation": 31,
        "Immunization": 12, "DiagnosticReport": 1, "Claim": 4, "ExplanationOfBenefit": 4, "Procedure": 2,
    },
    "synthea__Stephen_McLaughlin_7735ab79-6ac8-4b81-9936-f7ddabd18751.json": {
        "Patient": 1, "Organization": 1, "Practitioner": 1, "Encounter": 8, "Condition": 3,
        "MedicationRequest": 5, "Claim": 13, "ExplanationOfBenefit": 8, "CarePlan": 2, "Observation": 51,
        "Immunization": 4, "DiagnosticReport": 4,
    },
    "synthea__Garrett_Thompson_5a72e290-8102-4c8a-84f7-f838387508b2.json": {
        "Patient": 1, "Organization": 2, "Practitioner": 2, "Encounter": 12, "Claim": 15,
        "ExplanationOfBenefit": 12, "Condition": 6, "Observation": 47, "Procedure": 3,
        "MedicationRequest": 3, "DiagnosticReport": 2, "Immunization": 5, "CarePlan": 1,
    },
    "synthea__Kermit_Trantow_f1a650a5-737e-4fd7-828e-03c3348b9524.json": {
        "Patient": 1, "Organization": 1, "Practitioner": 1, "Encounter": 12, "CarePlan": 2, "Claim": 18,
        "ExplanationOfBenefit": 12, "AllergyIntolerance": 3, "MedicationRequest": 6, "Condition": 6,
        "Observation": 44, "Immunization": 8, "Procedure": 2, "DiagnosticReport": 1,
    },
    "synthea__Joaquin_Rodriguez_69ee9841-f4a6-427a-a2fd-f5a891682057.json": {
        "Patient": 1, "Organization": 2, "Practitioner": 2, "Encounter": 11, "Condition": 5,
        "MedicationRequest": 4, "Claim": 15, "ExplanationOfBenefit": 11, "Observation": 43,
        "Immunization": 6, "Procedure": 2, "DiagnosticReport": 2, "CarePlan": 3,
    },
    "synthea__Louis_Erdman_55bbe118-e08d-4408-86e5-6084457500d4.json": {
        "Patient": 1, "Organization": 3, "Practitioner": 3, "Encounter": 12, "CarePlan": 4, "Claim": 16,
        "ExplanationOfBenefit": 12, "AllergyIntolerance": 1, "MedicationRequest": 4, "Observation": 50,
        "Immunization": 9, "DiagnosticReport": 3, "Procedure": 4, "Condition": 3, "ImagingStudy": 1,
    },
    "synthea__Rufus_Kihn_6b950b05-7dbf-450f-bca9-f05acff7a452.json": {
        "Patient": 1, "Organization": 2, "Practitioner": 2, "Encounter": 12, "MedicationRequest": 7,
        "Claim": 19, "ExplanationOfBenefit": 12, "CarePlan": 3, "Condition": 5, "Observation": 50,
        "Immunization": 7, "Procedure": 4, "DiagnosticReport": 4, "ImagingStudy": 1,
    },
    "synthea__Max_Kris_f9120576-f949-45de-ae43-c0d902ecb249.json": {
        "Patient": 1, "Organization": 3, "Practitioner": 3, "Encounter": 19, "Condition": 8,
        "MedicationRequest": 11, "Claim": 30, "ExplanationOfBenefit": 19, "Observation": 111,
        "Procedure": 17, "Immunization": 12, "DiagnosticReport": 7,
    },
}  # fmt: skip


def fhir_files(shared_data: Path) -> list[Path]:
    """Every sample file, sorted."""
    return sorted((shared_data / FHIR_DIR).iterdir())


def all_names() -> list[str]:
    """Every file name the table knows about."""
    return sorted([*ACCEPTED, *REJECTED, *BUNDLE_COUNTS])
