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
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal,
    true,
)

from revcycle.adapters.store.encrypted import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedLongText,
    EncryptedText,
    KeyedHash,
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


def _erp_pending() -> Column[bool]:
    """A journal-builder source row not yet taken into ERP items: true when written (the database's
    default, so writers need not know), cleared by the builder in the transaction that itemises it."""
    return Column("erp_pending", Boolean, nullable=False, server_default=true())


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
    # Per-patient ordering only needs equality: the account / MRN is kept as a keyed hash (PHI-free).
    Column("partition_key", KeyedHash("inbound_messages.partition_key")),
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
    Column("raw", EncryptedBytes("inbound_messages.raw"), nullable=False),  # PHI: encrypted at rest
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
    Column("account", EncryptedText("patients.account", 300)),  # PHI: encrypted at rest
    Column("account_index", String(64), index=True),  # blind index of account (equality lookups)
    Column("data", EncryptedJSON("patients.data"), nullable=False),
    Column("coverages", EncryptedJSON("patients.coverages"), nullable=False),
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
    Column("patient_key", String(200), nullable=False),  # indexed with the service date (below)
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
    _erp_pending(),
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
    Column("data", EncryptedJSON("claims.data"), nullable=False),
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
    Column("claim_id", ForeignKey("claims.id")),  # indexed with the payer (below)
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
    _erp_pending(),
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
    # Not yet evaluated by the alert engine: true when written (the database's default, so writers need
    # not know), cleared in the transaction that opens the finding's alerts (service_layer/alerts/engine).
    Column("alert_pending", Boolean, nullable=False, server_default=true()),
)
# The findings the alert engine has still to evaluate, in id order: a partial index of just those rows.
PENDING_FINDINGS = findings.c.alert_pending == true()
Index(
    "ix_findings_alert_pending",
    findings.c.id,
    postgresql_where=PENDING_FINDINGS,
    sqlite_where=PENDING_FINDINGS,
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
    _erp_pending(),  # read by the journal builder for the patient-payment topic only
)

# --- master data sync, quarantine and work queue ---

master_data_loads = Table(
    "master_data_loads",
    metadata,
    _id(),
    Column("message_id", ForeignKey("inbound_messages.id"), index=True),
    Column("kind", String(20), nullable=False, index=True),
    Column("source", String(100), nullable=False),  # the interface: erp, erp-pull:<name>, fhir, file
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("report", JSON, nullable=False),
    Column("correlation_id", String(36)),
    Column("loaded_at", Moment, nullable=False, index=True),
)

quarantine = Table(
    "quarantine",
    metadata,
    _id(),
    Column("message_id", ForeignKey("inbound_messages.id"), nullable=False, index=True),
    Column("command_index", Integer, nullable=False),  # which of the message's commands is held
    Column("kind", String(20), nullable=False),  # the master-data kind that was missing
    Column("code", String(100), nullable=False),
    Column("on_date", Date),  # the date of service it must be valid on
    Column("subject_kind", String(20), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("finding_key", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # held, released
    Column("held_at", Moment, nullable=False),
    Column("released_at", Moment),
    Index("ix_quarantine_kind_code_status", "kind", "code", "status"),
)

finding_events = Table(
    "finding_events",
    metadata,
    _id(),
    Column("finding_id", ForeignKey("findings.id"), nullable=False, index=True),
    Column("at", Moment, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(20), nullable=False),  # status, assign, comment
    Column("from_value", String(100)),
    Column("to_value", String(100)),
    # a comment's text (may hold PHI: encrypted at rest, shown to the work queue only, never logged)
    Column("text", EncryptedLongText("finding_events.text")),
)

master_data_pulls = Table(
    "master_data_pulls",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("watermark", String(40)),  # the largest updated_at seen (ISO), sent as updated_since
    Column("last_run_at", Moment),
    Column("last_status", String(16)),
    Column("last_error", Text),
    Column("last_message_id", Integer),
    Column("records", Integer, nullable=False, default=0),
)

# --- claim lifecycle and remittance posting ---

# One row per posted claim payment (CLP): its totals by who bears them (reversals carry negated amounts,
# so a claim's sum nets them out).
payment_postings = Table(
    "payment_postings",
    metadata,
    _id(),
    Column("payment_id", ForeignKey("claim_payments.id"), nullable=False, unique=True),
    Column("claim_id", ForeignKey("claims.id"), index=True),
    Column("charge", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Column("contractual", Money, nullable=False),
    Column("patient_responsibility", Money, nullable=False),
    Column("other_adjustments", Money, nullable=False),
    Column("denied", Money, nullable=False),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
)

# One row per posted service line (SVC): the claim line it paid and how it was matched.
line_postings = Table(
    "line_postings",
    metadata,
    _id(),
    Column("payment_id", ForeignKey("claim_payments.id"), nullable=False, index=True),
    Column("claim_id", ForeignKey("claims.id"), index=True),
    Column("line_number", Integer),
    Column("line_control_number", String(50)),
    Column("match", String(24), nullable=False),
    Column("procedure_code", String(20)),
    Column("modifiers", String(40)),
    Column("submitted_code", String(20)),
    Column("service_date", Date),
    Column("charge", Money, nullable=False),
    Column("paid", Money, nullable=False),
    Column("allowed", Money, nullable=False),
    Column("expected", Money),
    Column("contractual", Money, nullable=False),
    Column("patient_responsibility", Money, nullable=False),
    Column("other_adjustments", Money, nullable=False),
    Column("denied", Money, nullable=False),
    Column("underpaid", Money),
    Column("adjustments", JSON, nullable=False),
    Column("remarks", JSON, nullable=False),
    Column("created_at", Moment, nullable=False),
)

# Paper remittances keyed in by hand: who, when, from what source.
manual_remittances = Table(
    "manual_remittances",
    metadata,
    _id(),
    Column("trace_number", String(80), nullable=False, index=True),
    Column("entered_by", String(100), nullable=False),
    Column("entered_at", Moment, nullable=False),
    Column("source", String(60), nullable=False),
    Column("note", Text),
    Column("message_id", ForeignKey("inbound_messages.id"), index=True),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
)

# --- patient payments (domain.patient_balance) ---

# One row per patient payment received (a DFT FT1 with FT1-6 = PY / CO, or a RecordPatientPayment);
# a refund is a negative amount. Unapplied (credit) = amount - its applications.
patient_payments = Table(
    "patient_payments",
    metadata,
    _id(),
    Column("patient_key", String(200), index=True),
    Column("claim_reference", String(100), index=True),  # the visit / patient control number it names
    Column("reference", String(100)),  # FT1-2 transaction id, the cashier's receipt
    Column("amount", Money, nullable=False),
    Column("method", String(40)),
    Column("received_at", Moment),
    Column("source", String(20), nullable=False),  # hl7, command
    Column("charge_id", ForeignKey("charges.id")),
    Column("dedup_key", String(64), index=True),
    Column("message_id", ForeignKey("inbound_messages.id"), index=True),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
)

# What a patient payment paid on a claim (negative: un-applied by a refund); ``kind`` payment, credit
# (a credit applied later to a new balance) or refund.
patient_payment_applications = Table(
    "patient_payment_applications",
    metadata,
    _id(),
    Column("payment_id", ForeignKey("patient_payments.id"), nullable=False, index=True),
    Column("claim_id", ForeignKey("claims.id"), nullable=False, index=True),
    Column("amount", Money, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("message_id", ForeignKey("inbound_messages.id")),
    Column("correlation_id", String(36)),
    Column("created_at", Moment, nullable=False),
)

# --- rules ---
# The missing-charge sweep looks charges up by visit number (PV1-19 / Encounter id), whatever patient
# key the visit and its charges were filed under.
Index("ix_charges_visit_number", charges.c.visit_number)
# --- ERP posting and reconciliation (issue 7) ---

# One financial transaction from a source row (a charge, a claim payment, a patient payment), mapped to
# its GL target or quarantined with the gap; ``journal_id`` once summarised. These rows are our side's
# references from a journal back to claims, remittances and messages (never sent to the ERP).
erp_items = Table(
    "erp_items",
    metadata,
    _id(),
    Column("source_kind", String(20), nullable=False),  # charge, claim_payment, patient_payment
    Column("source_id", BigInteger, nullable=False),
    Column("transaction_type", String(30), nullable=False),
    Column("reversal", Boolean, nullable=False),
    Column("amount", Money, nullable=False),
    Column("transaction_date", Date, nullable=False),
    Column("facility_code", String(60)),
    Column("department_code", String(60)),
    Column("payer_class", String(40)),
    Column("service_line", String(60)),
    Column("encounter_ref", String(64)),
    Column("claim_id", ForeignKey("claims.id"), index=True),
    Column("message_id", ForeignKey("inbound_messages.id"), index=True),
    Column("correlation_id", String(36)),
    Column("status", String(16), nullable=False),  # quarantined, mapped, journalled
    Column("gap", Text),
    Column("journal_id", ForeignKey("erp_journals.id"), index=True),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    UniqueConstraint("source_kind", "source_id", "transaction_type", "reversal"),
    Index("ix_erp_items_status_id", "status", "id"),
)

erp_journals = Table(
    "erp_journals",
    metadata,
    _id(),
    Column("key", String(120), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("level", String(12), nullable=False),
    Column("posting_date", Date, nullable=False, index=True),
    Column("period", String(7), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("legal_entity", String(40), nullable=False),
    Column("facility_code", String(60)),
    Column("payer_class", String(40)),
    Column("service_line", String(60)),
    Column("debit_total", Money, nullable=False),
    Column("credit_total", Money, nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # pending, acknowledged, dead
    Column("document_id", String(120)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("created_at", Moment, nullable=False),
    Column("acknowledged_at", Moment),
)

erp_journal_lines = Table(
    "erp_journal_lines",
    metadata,
    _id(),
    Column("journal_id", ForeignKey("erp_journals.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("account", String(40), nullable=False),
    Column("debit", Money, nullable=False),
    Column("credit", Money, nullable=False),
    Column("cost_centre", String(40)),
    Column("legal_entity", String(40)),
    Column("dimension", String(60)),
)

# The journal builder's source rows still to take (``erp_pending``), in id order. The indexes are partial
# (their predicates are the builder's conditions), so they hold only the rows waiting for its next pass.
PATIENT_PAYMENT_TOPIC = "patient_payment"
PENDING_CHARGES = charges.c.erp_pending == true()
PENDING_CLAIM_PAYMENTS = claim_payments.c.erp_pending == true()
PENDING_PATIENT_PAYMENTS = and_(
    outbox.c.erp_pending == true(),
    outbox.c.topic == literal(PATIENT_PAYMENT_TOPIC, literal_execute=True),  # inline: the index's
)
for _table, _pending in (
    (charges, PENDING_CHARGES),
    (claim_payments, PENDING_CLAIM_PAYMENTS),
    (outbox, PENDING_PATIENT_PAYMENTS),
):
    Index(f"ix_{_table.name}_erp_pending", _table.c.id, postgresql_where=_pending, sqlite_where=_pending)

# --- security (accounts, sessions, API tokens, audit log) ---

users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(100), nullable=False, unique=True),
    Column("roles", JSON, nullable=False),  # list of role names (security.permissions.Role)
    Column("password_hash", String(200)),  # argon2id; NULL: a machine account (tokens only)
    Column("mfa_secret", EncryptedText("users.mfa_secret", 300)),  # TOTP secret, encrypted at rest
    Column("mfa_enabled", Boolean, nullable=False, default=False),
    Column("mfa_last_step", BigInteger),  # the last TOTP time step accepted (each code works once)
    Column("recovery_codes", JSON, nullable=False),  # argon2 hashes of unused recovery codes
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", Moment),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the cookie value
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("mfa_passed", Boolean, nullable=False),
    Column("source", String(64)),
    Column("created_at", Moment, nullable=False),
    Column("last_seen_at", Moment, nullable=False),
    Column("expires_at", Moment, nullable=False),
    Column("ended_at", Moment),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the token
    Column("prefix", String(12), nullable=False),  # first characters, to recognise a token in lists
    Column("roles", JSON, nullable=False),  # a subset of the user's roles
    Column("created_at", Moment, nullable=False),
    Column("expires_at", Moment),
    Column("revoked_at", Moment),
    Column("last_used_at", Moment),
)

audit_log = Table(
    "audit_log",
    metadata,
    _id(),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("at", Moment, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("roles", String(300), nullable=False),
    Column("action", String(60), nullable=False),
    Column("kind", String(20), nullable=False),  # phi-read, action, denied, auth, system
    Column("method", String(10)),
    Column("route", String(200)),
    Column("record", String(300)),  # what was touched: path parameters / ids, never PHI values
    Column("source", String(64)),
    Column("outcome", String(20), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Columns that hold PHI, per table (encrypted at rest by their column types, see encrypted.py; masked
# by the security layer). ``revcycle keys rotate`` re-encrypts exactly these.
PHI_COLUMNS: dict[str, tuple[str, ...]] = {
    "inbound_messages": ("raw",),
    "patients": ("account", "data", "coverages"),
    "claims": ("data",),
    "finding_events": ("text",),
    "users": ("mfa_secret",),
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
# A finding rule's alerts opened in its flood-control window (service_layer/alerts/flood.py).
Index("ix_alerts_rule_opened_at", alerts.c.rule, alerts.c.opened_at)

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

# --- console rollups (issue 8) ---
# Daily sums the revenue pages read instead of the claims, charges and payments themselves; kept by
# ``rollups.py`` (a periodic refresh recomputes the days changed since its watermark). Grain 0 rows are
# per (day, payer, facility, provider, service line); grain 1 rows are the day's totals (the unfiltered
# pages). One dimension per table is a membership: NULL there means "every row once", a value means the
# rows matching it (the claims and payments of a patient and day with a charge of that service line;
# the charges of a patient and day billed to that payer), as the live queries' EXISTS filters do.
Total = Numeric(16, 2)


def _rollup_keys() -> list[Column[object]]:
    return [
        Column("grain", Integer, nullable=False),
        Column("day", Date, nullable=False),
        Column("payer", String(80)),
        Column("facility", String(60)),
        Column("provider", String(10)),
        Column("service_line", String(60)),
    ]


def _rollup_indexes(name: str) -> list[Index]:
    return [
        Index(f"ix_{name}_day_grain", "day", "grain"),
        *(Index(f"ix_{name}_{dim}_day", dim, "day") for dim in ("payer", "facility", "provider")),
        Index(f"ix_{name}_service_line_day", "service_line", "day"),
    ]


rollup_claims = Table(  # by service date; membership: service_line
    "rollup_claims",
    metadata,
    *_rollup_keys(),
    Column("claims", Integer, nullable=False),
    Column("billed", Total, nullable=False),
    Column("paid", Total, nullable=False),
    Column("adjudicated", Integer, nullable=False),
    Column("denied", Integer, nullable=False),
    Column("submitted", Integer, nullable=False),  # neither draft nor scrubbed
    Column("submitted_billed", Total, nullable=False),
    Column("rejected", Integer, nullable=False),  # with a transition to rejected
    Column("ar_balance", Total, nullable=False),  # open balances of receivable claims
    *_rollup_indexes("rollup_claims"),
)

rollup_charges = Table(  # by service date; membership: payer; provider is the performing NPI
    "rollup_charges",
    metadata,
    *_rollup_keys(),
    Column("lines", Integer, nullable=False),  # charge type CG
    Column("amount", Total, nullable=False),
    Column("all_lines", Integer, nullable=False),  # every charge type (credits too)
    Column("all_amount", Total, nullable=False),
    *_rollup_indexes("rollup_charges"),
)

rollup_payments = Table(  # by payment date; facility, provider, membership service_line: the claim's
    "rollup_payments",
    metadata,
    *_rollup_keys(),
    Column("payments", Integer, nullable=False),
    Column("paid", Total, nullable=False),
    Column("patient_responsibility", Total, nullable=False),
    Column("contractual", Total, nullable=False),
    Column("first_any", Integer, nullable=False),  # the claim's first payment (lowest id)
    Column("first_any_denied", Integer, nullable=False),
    Column("first_payer", Integer, nullable=False),  # the claim's first payment from this payer
    Column("first_payer_denied", Integer, nullable=False),
    Column("cycle_days", BigInteger, nullable=False),  # service date to payment date, paid > 0
    Column("cycle_count", Integer, nullable=False),
    *_rollup_indexes("rollup_payments"),
)

# Payments that are not their claim's first (the first-adjudication figures look these up).
rollup_repeat_payments = Table(
    "rollup_repeat_payments",
    metadata,
    Column("payment_id", BigInteger, primary_key=True, autoincrement=False),
    Column("payment_date", Date, nullable=False, index=True),
    Column("first_payer", Integer, nullable=False),
)

# Discharged visits not final billed, per (visit, service line of its charges).
rollup_dnfb = Table(
    "rollup_dnfb",
    metadata,
    Column("encounter_id", BigInteger, nullable=False, index=True),
    Column("discharged_at", Moment, nullable=False, index=True),
    Column("facility", String(60)),
    Column("provider", String(10)),
    Column("service_line", String(60)),
    Column("amount", Total, nullable=False),
)

# Each claim's service date and patient as last rolled up (a change moves it out of its old day).
rollup_claim_dates = Table(
    "rollup_claim_dates",
    metadata,
    Column("claim_id", BigInteger, primary_key=True, autoincrement=False),
    Column("service_date", Date),
    Column("patient_key", String(200)),
)

rollup_state = Table(
    "rollup_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("watermark", Moment, nullable=False),  # changes stamped after this are not rolled up yet
    Column("refreshed_at", Moment, nullable=False),
)

# The rollups' membership rows: a claim's charges of its patient and day, by service line; a claim's
# earlier payments from the same payer. (They replace the single-column indexes on patient_key and
# claim_id, which they start with.)
Index(
    "ix_charges_patient_key_service_date",
    charges.c.patient_key,
    charges.c.service_date,
    charges.c.department_code,
)
Index("ix_claim_payments_claim_id_payer_id", claim_payments.c.claim_id, claim_payments.c.payer_id)
# The refresh finds what changed since its watermark through these.
Index("ix_claims_updated_at", claims.c.updated_at)
Index("ix_encounters_updated_at", encounters.c.updated_at)
Index("ix_patients_updated_at", patients.c.updated_at)
Index("ix_claim_events_at", claim_events.c.at)
# The provider and facility pages count visits.
Index("ix_encounters_attending_npi", encounters.c.attending_npi)
Index("ix_encounters_facility_code", encounters.c.facility_code)
