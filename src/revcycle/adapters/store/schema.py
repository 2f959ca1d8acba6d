"""The store's tables (SQLAlchemy 2 Core). Alembic migrations under ``migrations/`` create them; a test
checks that the migrations and this metadata agree.

Amounts are ``Numeric(14, 2)``; times are timezone-aware UTC. ``data`` columns hold the rest of a
canonical object as JSON. Columns holding PHI are named in ``PHI_COLUMNS`` (encrypted by the security
layer).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")
Money = Numeric(14, 2)
Moment = DateTime(timezone=True)


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


inbound_messages = Table(
    "inbound_messages",
    metadata,
    _id(),
    Column("correlation_id", String(36), nullable=False, index=True),
    Column("interface", String(100), nullable=False),
    Column("transport", String(20), nullable=False),
    Column("format", String(20), nullable=False),
    Column("message_type", String(40), nullable=False),
    Column("control_id", String(200), index=True),
    Column("sender", String(200)),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column("partition_key", String(200)),
    Column("received_at", Moment, nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Moment),
    Column("processed_at", Moment),
    Column("commands", Integer),
    Column("collision", Boolean, nullable=False, default=False),
    Column("error_code", String(60)),
    Column("error", Text),
    Column("replay_of", ForeignKey("inbound_messages.id")),
    Column("size", Integer, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Index("ix_inbound_messages_status_id", "status", "id"),
    Index("ix_inbound_messages_sender_control", "sender", "control_id"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    _id(),
    Column("message_id", ForeignKey("inbound_messages.id"), nullable=False, index=True),
    Column("stage", String(20), nullable=False),  # edge, parse, map, handle, retry
    Column("reason_code", String(60), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("status", String(16), nullable=False),  # open, replayed, discarded
    Column("replay_count", Integer, nullable=False, default=0),
)

replays = Table(
    "replays",
    metadata,
    _id(),
    Column("dead_letter_id", ForeignKey("dead_letters.id"), nullable=False, index=True),
    Column("message_id", ForeignKey("inbound_messages.id"), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", Moment, nullable=False),
    Column("edited", Boolean, nullable=False),
    Column("note", Text),
)

patients = Table(
    "patients",
    metadata,
    _id(),
    Column("patient_key", String(200), nullable=False, unique=True),
    Column("account", String(100)),
    Column("data", JSON, nullable=False),
    Column("coverages", JSON, nullable=False),
    Column("merged_into", String(200)),
    Column("correlation_id", String(36)),
    Column("updated_at", Moment, nullable=False),
)

encounters = Table(
    "encounters",
    metadata,
    _id(),
    Column("patient_key", String(200), nullable=False),
    Column("visit_number", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("patient_class", String(2)),
    Column("facility_code", String(60)),
    Column("department_code", String(60)),
    Column("attending_npi", String(10)),
    Column("admitted_at", Moment),
    Column("discharged_at", Moment),
    Column("data", JSON, nullable=False),
    Column("correlation_id", String(36)),
    Column("updated_at", Moment, nullable=False),
    UniqueConstraint("patient_key", "visit_number"),
)

appointments = Table(
    "appointments",
    metadata,
    _id(),
    Column("appointment_id", String(100), nullable=False, unique=True),
    Column("patient_key", String(200), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("start_at", Moment, index=True),
    Column("facility_code", String(60)),
    Column("department_code", String(60)),
    Column("provider_npi", String(10)),
    Column("data", JSON, nullable=False),
    Column("correlation_id", String(36)),
    Column("updated_at", Moment, nullable=False),
)

charges = Table(
    "charges",
    metadata,
    _id(),
    Column("patient_key", String(200), nullable=False, index=True),
    Column("visit_number", String(100)),
    Column("transaction_id", String(100)),
    Column("service_date", Date, index=True),
    Column("procedure_code", String(20)),
    Column("transaction_code", String(60)),
    Column("modifiers", String(40)),
    Column("quantity", Numeric(12, 3), nullable=False),
    Column("amount", Money, nullable=False),
    Column("charge_type", String(4), nullable=False),
    Column("department_code", String(60)),
    Column("facility_code", String(60)),
    Column("performing_npi", String(10)),
    Column("identity_hash", String(64), nullable=False, index=True),
    Column("message_id", ForeignKey("inbound_messages.id")),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
    Column("data", JSON, nullable=False),
)

claims = Table(
    "claims",
    metadata,
    _id(),
    Column("claim_key", String(200), nullable=False, unique=True),
    Column("patient_control_number", String(60), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("payer_id", String(80)),
    Column("payer_rank", Integer, nullable=False),
    Column("patient_key", String(200), index=True),
    Column("total_charge", Money, nullable=False),
    Column("paid_total", Money, nullable=False),
    Column("patient_responsibility", Money, nullable=False),
    Column("contractual_total", Money, nullable=False),
    Column("service_date", Date, index=True),
    Column("billing_npi", String(10)),
    Column("facility_code", String(60)),
    Column("frequency", String(1), nullable=False),
    Column("payer_claim_control_number", String(80)),
    Column("group_control", String(20)),
    Column("transaction_control", String(20)),
    Column("data", JSON, nullable=False),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_claims_group_transaction", "group_control", "transaction_control"),
)

claim_events = Table(
    "claim_events",
    metadata,
    _id(),
    Column("claim_id", ForeignKey("claims.id"), nullable=False, index=True),
    Column("at", Moment, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20)),
    Column("message_id", ForeignKey("inbound_messages.id")),
    Column("correlation_id", String(36)),
    Column("detail", JSON, nullable=False),
)

claim_payments = Table(
    "claim_payments",
    metadata,
    _id(),
    Column("trace_number", String(80), nullable=False, index=True),
    Column("patient_control_number", String(60), nullable=False, index=True),
    Column("claim_id", ForeignKey("claims.id"), index=True),
    Column("status_code", String(4), nullable=False),
    Column("payer_id", String(80)),
    Column("charge", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Column("patient_responsibility", Money, nullable=False),
    Column("contractual", Money, nullable=False),
    Column("other_adjustments", Money, nullable=False),
    Column("payment_date", Date),
    Column("payer_claim_control_number", String(80)),
    Column("dedup_key", String(200), nullable=False, index=True),
    Column("source", String(20), nullable=False),  # "835", "fhir", "manual"
    Column("data", JSON, nullable=False),
    Column("message_id", ForeignKey("inbound_messages.id")),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
)

findings = Table(
    "findings",
    metadata,
    _id(),
    Column("key", String(300), nullable=False, unique=True),
    Column("type", String(40), nullable=False, index=True),
    Column("severity", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("subject_kind", String(20), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("owner", String(100)),
    Column("message_id", ForeignKey("inbound_messages.id")),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False, index=True),
    Column("updated_at", Moment, nullable=False),
    Column("occurrences", Integer, nullable=False, default=1),
)

master_data = Table(
    "master_data",
    metadata,
    _id(),
    Column("kind", String(20), nullable=False),
    Column("code", String(100), nullable=False),
    Column("effective_start", Date),
    Column("effective_end", Date),
    Column("data", JSON, nullable=False),
    Column("correlation_id", String(36)),
    Column("loaded_at", Moment, nullable=False),
    UniqueConstraint("kind", "code", "effective_start"),
)

outbox = Table(
    "outbox",
    metadata,
    _id(),
    Column("topic", String(40), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Moment),
    Column("delivered_at", Moment),
    Column("error", Text),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
)

# Columns that hold PHI, per table (encrypted at rest and masked by the security layer).
PHI_COLUMNS: dict[str, tuple[str, ...]] = {
    "inbound_messages": ("raw",),
    "patients": ("account", "data", "coverages"),
    "claims": ("data",),
}

# --- alerts and console ---
alerts = Table(
    "alerts",
    metadata,
    _id(),
    Column("rule", String(100), nullable=False, index=True),
    Column("key", String(300), nullable=False, unique=True),  # one alert per open condition
    Column("severity", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # PHI-free
    Column("status", String(16), nullable=False, index=True),
    Column("details", JSON, nullable=False),
    Column("correlation_id", String(36)),
    Column("opened_at", Moment, nullable=False),
    Column("last_notified_at", Moment),
    Column("notifications", Integer, nullable=False, default=0),
    Column("acknowledged_at", Moment),
    Column("acknowledged_by", String(100)),
    Column("assigned_to", String(100)),
    Column("escalated_at", Moment),
    Column("resolved_at", Moment),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    _id(),
    Column("alert_id", ForeignKey("alerts.id"), nullable=False, index=True),
    Column("channel", String(60), nullable=False),
    Column("event", String(20), nullable=False),  # opened, reminder, escalated, resolved
    Column("status", String(16), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Moment, nullable=False),
    Column("sent_at", Moment),
    Column("error", Text),
    Column("created_at", Moment, nullable=False),
    Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
)

# Console and alert-rule reads: date ranges on payments, provider / facility pages and filters,
# per-interface silence, discharged visits. The three "covering" indexes hold every column the revenue
# figures read for a date range, so those queries never fetch the (wide) rows themselves.
Index(
    "ix_claim_payments_payment_date_cover",
    *(claim_payments.c[n] for n in ("payment_date", "payer_id", "status_code", "claim_id", "paid")),
    *(claim_payments.c[n] for n in ("patient_responsibility", "contractual")),
)
Index(
    "ix_claims_service_date_cover",
    *(claims.c[n] for n in ("service_date", "status", "payer_id", "facility_code", "billing_npi")),
    *(claims.c[n] for n in ("total_charge", "paid_total", "contractual_total", "patient_key")),
)
Index(
    "ix_charges_service_date_cover",
    *(charges.c[n] for n in ("service_date", "charge_type", "department_code", "facility_code")),
    *(charges.c[n] for n in ("performing_npi", "amount", "patient_key")),
)
Index("ix_claims_billing_npi_service_date", claims.c.billing_npi, claims.c.service_date)
Index("ix_claims_facility_code_service_date", claims.c.facility_code, claims.c.service_date)
Index("ix_charges_performing_npi", charges.c.performing_npi)
Index("ix_charges_created_at", charges.c.created_at)
Index("ix_claim_payments_created_at", claim_payments.c.created_at)
Index("ix_encounters_status_discharged_at", encounters.c.status, encounters.c.discharged_at)
Index(
    "ix_inbound_messages_interface_received_at", inbound_messages.c.interface, inbound_messages.c.received_at
)
