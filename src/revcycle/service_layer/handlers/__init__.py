"""Command handlers, one module per area, and the one registry that maps commands to them."""

from __future__ import annotations

from revcycle.domain import commands as c
from revcycle.service_layer.handlers import (
    charges,
    claim_building,
    claims,
    master_data,
    patients,
    remittances,
    scheduling,
)
from revcycle.service_layer.messagebus import Handler

HANDLERS: dict[type[c.Command], Handler] = {
    c.RegisterPatient: patients.register_patient,
    c.UpdatePatient: patients.update_patient,
    c.MergePatients: patients.merge_patients,
    c.AdmitPatient: patients.admit_patient,
    c.DischargePatient: patients.discharge_patient,
    c.CancelAdmit: patients.cancel_admit,
    c.CancelDischarge: patients.cancel_discharge,
    c.BookAppointment: scheduling.book_appointment,
    c.RescheduleAppointment: scheduling.reschedule_appointment,
    c.CancelAppointment: scheduling.cancel_appointment,
    c.CaptureCharges: charges.capture_charges,
    c.RecordAccountEvent: patients.record_account_event,
    c.SubmitClaim: claims.submit_claim,
    c.BuildClaim: claim_building.build_claim,
    c.RecordFunctionalAck: claims.record_functional_ack,
    c.RecordClaimAck: claims.record_claim_ack,
    c.RecordRemittance: remittances.record_remittance,
    c.RecordManualRemittance: remittances.record_manual_remittance,
    c.RecordPatientPayment: remittances.record_patient_payment,
    c.UpsertMasterData: master_data.upsert_master_data,
}
