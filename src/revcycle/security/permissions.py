"""The permission matrix: the ONE place that decides what each role may do, for every HTTP route,
console page and CLI action.

* ``ROLE_PERMISSIONS``: role -> the permissions it holds.
* ``ROUTES``: (method, route path template) -> a ``Rule`` (the permission needed, and what the audit
  log records). A route missing here is denied to everyone, and ``tests/integration/api/
  test_route_matrix.py`` fails until it is added: no route ships without a decision.
* ``CLI``: CLI action -> permission (the CLI runs with the store's credentials, so this records who the
  action is for when a token is given, e.g. ``ingest --url``).

Roles follow the security model in DESIGN.md; ``PHI_VIEW`` decides whether PHI is shown unmasked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    BILLING_ADMIN = "billing-admin"
    CLINICAL_STAFF = "clinical-staff"
    REVENUE_CYCLE_MANAGER = "revenue-cycle-manager"
    COMPLIANCE_OFFICER = "compliance-officer"
    INTEGRATION_ENGINEER = "integration-engineer"
    FINANCE = "finance"
    ANALYST = "analyst"
    AUDITOR = "auditor"


class Perm(StrEnum):
    PUBLIC = "public"  # no credentials at all (liveness, the login form)
    AUTHENTICATED = "authenticated"  # any signed-in principal (own session, logout, MFA)
    METRICS_READ = "metrics.read"
    INGEST = "ingest.write"
    MASTER_DATA_WRITE = "master-data.write"
    MASTER_DATA_READ = "master-data.read"
    MESSAGES_READ = "messages.read"
    MESSAGES_RAW = "messages.raw"  # raw inbound payloads and FHIR reads: PHI by nature
    DEAD_LETTERS_READ = "dead-letters.read"
    DEAD_LETTERS_REPLAY = "dead-letters.replay"
    DEAD_LETTERS_EDIT = "dead-letters.edit"
    PATIENTS_READ = "patients.read"
    CLINICAL_READ = "clinical.read"
    CLAIMS_READ = "claims.read"
    CLAIMS_MANAGE = "claims.manage"
    REMITTANCES_READ = "remittances.read"
    REMITTANCES_POST = "remittances.post"
    FINDINGS_READ = "findings.read"
    FINDINGS_MANAGE = "findings.manage"
    JOURNALS_READ = "journals.read"
    JOURNALS_POST = "journals.post"
    ALERTS_READ = "alerts.read"
    ALERTS_MANAGE = "alerts.manage"
    PHI_VIEW = "phi.view"  # PHI unmasked in responses
    AUDIT_READ = "audit.read"
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    KEYS_MANAGE = "keys.manage"


_READS = frozenset(
    {
        Perm.METRICS_READ,
        Perm.MASTER_DATA_READ,
        Perm.MESSAGES_READ,
        Perm.DEAD_LETTERS_READ,
        Perm.PATIENTS_READ,
        Perm.CLINICAL_READ,
        Perm.CLAIMS_READ,
        Perm.REMITTANCES_READ,
        Perm.FINDINGS_READ,
        Perm.JOURNALS_READ,
        Perm.ALERTS_READ,
        Perm.USERS_READ,
    }
)
_BILLING_WORK = frozenset(
    {
        Perm.CLAIMS_READ,
        Perm.CLAIMS_MANAGE,
        Perm.REMITTANCES_READ,
        Perm.REMITTANCES_POST,
        Perm.FINDINGS_READ,
        Perm.FINDINGS_MANAGE,
        Perm.JOURNALS_READ,
        Perm.ALERTS_READ,
        Perm.ALERTS_MANAGE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    # Runs the system: everything except reading the audit trail of its own actions (separation of duty).
    Role.BILLING_ADMIN: frozenset(Perm) - {Perm.AUDIT_READ},
    Role.CLINICAL_STAFF: frozenset(
        {Perm.PATIENTS_READ, Perm.CLINICAL_READ, Perm.CLAIMS_READ, Perm.FINDINGS_READ, Perm.PHI_VIEW}
    ),
    Role.REVENUE_CYCLE_MANAGER: _BILLING_WORK
    | {
        Perm.PATIENTS_READ,
        Perm.CLINICAL_READ,
        Perm.PHI_VIEW,
        Perm.MESSAGES_READ,
        Perm.DEAD_LETTERS_READ,
        Perm.DEAD_LETTERS_REPLAY,
        Perm.MASTER_DATA_READ,
        Perm.MASTER_DATA_WRITE,
        Perm.JOURNALS_POST,
    },
    # Investigates: reads everything including PHI and the audit trail; changes nothing.
    Role.COMPLIANCE_OFFICER: _READS | {Perm.AUDIT_READ, Perm.PHI_VIEW, Perm.MESSAGES_RAW},
    Role.INTEGRATION_ENGINEER: frozenset(
        {
            Perm.INGEST,
            Perm.MASTER_DATA_READ,
            Perm.MASTER_DATA_WRITE,
            Perm.METRICS_READ,
            Perm.MESSAGES_READ,
            Perm.MESSAGES_RAW,
            Perm.DEAD_LETTERS_READ,
            Perm.DEAD_LETTERS_REPLAY,
            Perm.DEAD_LETTERS_EDIT,
            Perm.ALERTS_READ,
            Perm.PHI_VIEW,
        }
    ),
    # Money, not people: sees claims and accounts with PHI masked.
    Role.FINANCE: frozenset(
        {
            Perm.CLAIMS_READ,
            Perm.REMITTANCES_READ,
            Perm.REMITTANCES_POST,
            Perm.FINDINGS_READ,
            Perm.JOURNALS_READ,
            Perm.JOURNALS_POST,
            Perm.PATIENTS_READ,
        }
    ),
    Role.ANALYST: frozenset(
        {
            Perm.CLAIMS_READ,
            Perm.REMITTANCES_READ,
            Perm.FINDINGS_READ,
            Perm.CLINICAL_READ,
            Perm.JOURNALS_READ,
            Perm.ALERTS_READ,
            Perm.METRICS_READ,
        }
    ),
    # Read-only: every read and the audit trail, PHI masked.
    Role.AUDITOR: _READS | {Perm.AUDIT_READ},
}
for _role in Role:  # every signed-in principal may manage its own session
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.AUTHENTICATED}


class Audit(StrEnum):
    """What the audit log records about a request to a route."""

    NONE = "none"
    PHI_READ = "phi-read"  # a read that can return PHI
    ACTION = "action"  # a billing / administrative action (replay, edit, post, user change...)


@dataclass(frozen=True, slots=True)
class Rule:
    perm: Perm
    audit: Audit = Audit.NONE


def _r(perm: Perm, audit: Audit = Audit.NONE) -> Rule:
    return Rule(perm, audit)


ROUTES: dict[tuple[str, str], Rule] = {
    # system (the OpenAPI document and its viewers are served by FastAPI outside the gate)
    ("GET", "/health"): _r(Perm.PUBLIC),
    ("GET", "/openapi.json"): _r(Perm.PUBLIC),
    ("GET", "/docs"): _r(Perm.PUBLIC),
    ("GET", "/docs/oauth2-redirect"): _r(Perm.PUBLIC),
    ("GET", "/redoc"): _r(Perm.PUBLIC),
    ("GET", "/metrics"): _r(Perm.METRICS_READ),
    # accounts (routes_auth)
    ("POST", "/api/v1/auth/login"): _r(Perm.PUBLIC),
    ("POST", "/api/v1/auth/logout"): _r(Perm.AUTHENTICATED),
    ("GET", "/api/v1/auth/me"): _r(Perm.AUTHENTICATED),
    ("POST", "/api/v1/auth/mfa/verify"): _r(Perm.PUBLIC),  # checks the half-open session itself
    ("POST", "/api/v1/auth/mfa/enroll"): _r(Perm.AUTHENTICATED, Audit.ACTION),
    ("POST", "/api/v1/auth/mfa/confirm"): _r(Perm.AUTHENTICATED, Audit.ACTION),
    ("POST", "/api/v1/auth/password"): _r(Perm.AUTHENTICATED, Audit.ACTION),
    ("GET", "/api/v1/users"): _r(Perm.USERS_READ),
    ("POST", "/api/v1/users"): _r(Perm.USERS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/users/{username}/disable"): _r(Perm.USERS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/users/{username}/roles"): _r(Perm.USERS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/users/{username}/unlock"): _r(Perm.USERS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/tokens"): _r(Perm.AUTHENTICATED, Audit.ACTION),
    ("POST", "/api/v1/tokens/{token_id}/revoke"): _r(Perm.AUTHENTICATED, Audit.ACTION),
    ("GET", "/api/v1/audit"): _r(Perm.AUDIT_READ),
    # ingest (routes_ingest, routes_fhir)
    ("POST", "/api/v1/ingest"): _r(Perm.INGEST),
    ("POST", "/api/v1/ingest/hl7v2"): _r(Perm.INGEST),
    ("POST", "/api/v1/ingest/x12"): _r(Perm.INGEST),
    ("POST", "/api/v1/master-data/{kind}"): _r(Perm.MASTER_DATA_WRITE, Audit.ACTION),
    ("POST", "/fhir/r4"): _r(Perm.INGEST),
    ("POST", "/fhir/r4/{resource_type}"): _r(Perm.INGEST),
    ("PUT", "/fhir/r4/{resource_type}/{resource_id}"): _r(Perm.INGEST),
    ("GET", "/fhir/r4/{resource_type}/{resource_id}"): _r(Perm.MESSAGES_RAW, Audit.PHI_READ),
    # inbound log and dead letters (routes_messages)
    ("GET", "/api/v1/messages"): _r(Perm.MESSAGES_READ),
    ("GET", "/api/v1/messages/{message_id}"): _r(Perm.MESSAGES_READ, Audit.PHI_READ),
    ("GET", "/api/v1/dead-letters"): _r(Perm.DEAD_LETTERS_READ),
    ("GET", "/api/v1/dead-letters/{dead_letter_id}"): _r(Perm.DEAD_LETTERS_READ, Audit.PHI_READ),
    ("POST", "/api/v1/dead-letters/replay"): _r(Perm.DEAD_LETTERS_REPLAY, Audit.ACTION),
    ("POST", "/api/v1/dead-letters/{dead_letter_id}/edit"): _r(Perm.DEAD_LETTERS_EDIT, Audit.ACTION),
    # clinical (routes_clinical)
    ("GET", "/api/v1/patients"): _r(Perm.PATIENTS_READ, Audit.PHI_READ),
    ("GET", "/api/v1/patients/{patient_id}"): _r(Perm.PATIENTS_READ, Audit.PHI_READ),
    ("GET", "/api/v1/encounters"): _r(Perm.CLINICAL_READ, Audit.PHI_READ),
    ("GET", "/api/v1/appointments"): _r(Perm.CLINICAL_READ, Audit.PHI_READ),
    ("GET", "/api/v1/charges"): _r(Perm.CLINICAL_READ, Audit.PHI_READ),
    # billing (routes_billing)
    ("GET", "/api/v1/claims"): _r(Perm.CLAIMS_READ),
    ("GET", "/api/v1/claims/{claim_id}"): _r(Perm.CLAIMS_READ, Audit.PHI_READ),
    ("GET", "/api/v1/remittances"): _r(Perm.REMITTANCES_READ),
    ("GET", "/api/v1/findings"): _r(Perm.FINDINGS_READ),
    ("GET", "/api/v1/findings/{finding_id}"): _r(Perm.FINDINGS_READ),
    ("POST", "/api/v1/findings/{finding_id}/assign"): _r(Perm.FINDINGS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/findings/{finding_id}/status"): _r(Perm.FINDINGS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/findings/{finding_id}/comments"): _r(Perm.FINDINGS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/findings/bulk"): _r(Perm.FINDINGS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/remittances"): _r(Perm.REMITTANCES_POST, Audit.ACTION),
    # master data (routes_master_data): loads list changed records, which may be patients' registration
    ("GET", "/api/v1/master-data/loads"): _r(Perm.MASTER_DATA_READ),
    ("GET", "/api/v1/master-data/loads/{load_id}"): _r(Perm.MASTER_DATA_READ, Audit.PHI_READ),
    ("GET", "/api/v1/master-data/quarantine"): _r(Perm.MASTER_DATA_READ),
    ("GET", "/api/v1/master-data/pulls"): _r(Perm.MASTER_DATA_READ),
    ("GET", "/api/v1/master-data/{kind}/{code}"): _r(Perm.MASTER_DATA_READ, Audit.PHI_READ),
    # ERP journals and reconciliation (routes_erp)
    ("GET", "/api/v1/journals"): _r(Perm.JOURNALS_READ),
    ("GET", "/api/v1/journals/{journal_id}"): _r(Perm.JOURNALS_READ),
    ("GET", "/api/v1/claims/{claim_id}/journals"): _r(Perm.JOURNALS_READ),
    ("GET", "/api/v1/reconciliation"): _r(Perm.JOURNALS_READ),
    # claim building (routes_claim_build)
    ("POST", "/api/v1/claims"): _r(Perm.CLAIMS_MANAGE, Audit.ACTION),
    # alerts (routes_alerts): alert texts carry no PHI
    ("GET", "/api/v1/alerts"): _r(Perm.ALERTS_READ),
    ("GET", "/api/v1/alerts/rules"): _r(Perm.ALERTS_READ),
    ("POST", "/api/v1/alerts/rules/reload"): _r(Perm.ALERTS_MANAGE, Audit.ACTION),
    ("GET", "/api/v1/alerts/{alert_id}"): _r(Perm.ALERTS_READ),
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): _r(Perm.ALERTS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/alerts/acknowledge"): _r(Perm.ALERTS_MANAGE, Audit.ACTION),
    ("POST", "/api/v1/alerts/{alert_id}/assign"): _r(Perm.ALERTS_MANAGE, Audit.ACTION),
    # web console (entrypoints/web): sign-in and static files are public; the overview and its live
    # stream are PHI-free aggregates any signed-in role may see; each page needs what it shows
    ("GET", "/console/static"): _r(Perm.PUBLIC),
    ("GET", "/console/login"): _r(Perm.PUBLIC),
    ("POST", "/console/login"): _r(Perm.PUBLIC),
    ("POST", "/console/login/mfa"): _r(Perm.PUBLIC),  # checks the half-open session itself
    ("POST", "/console/logout"): _r(Perm.AUTHENTICATED),
    ("GET", "/"): _r(Perm.AUTHENTICATED),
    ("GET", "/console"): _r(Perm.AUTHENTICATED),
    ("GET", "/console/events"): _r(Perm.AUTHENTICATED),
    ("GET", "/console/revenue"): _r(Perm.CLAIMS_READ),
    ("GET", "/console/revenue.csv"): _r(Perm.CLAIMS_READ),
    ("GET", "/console/operations"): _r(Perm.MESSAGES_READ),
    ("GET", "/console/dead-letters/{dead_letter_id}"): _r(Perm.DEAD_LETTERS_READ, Audit.PHI_READ),
    ("GET", "/console/work-queue"): _r(Perm.FINDINGS_READ),
    ("GET", "/console/alerts"): _r(Perm.ALERTS_READ),
    ("GET", "/console/claims/{claim_id}"): _r(Perm.CLAIMS_READ, Audit.PHI_READ),
    ("GET", "/console/messages/{message_id}"): _r(Perm.MESSAGES_RAW, Audit.PHI_READ),  # shows the payload
    ("GET", "/console/patients/{patient_id}"): _r(Perm.PATIENTS_READ, Audit.PHI_READ),
    ("GET", "/console/providers/{npi}"): _r(Perm.CLAIMS_READ),
    ("GET", "/console/facilities/{code}"): _r(Perm.CLAIMS_READ),
    ("GET", "/console/search"): _r(Perm.CLAIMS_READ, Audit.PHI_READ),  # claims and patient accounts
    ("POST", "/console/actions/alerts/acknowledge"): _r(Perm.ALERTS_MANAGE, Audit.ACTION),
    ("POST", "/console/actions/alerts/{alert_id}/assign"): _r(Perm.ALERTS_MANAGE, Audit.ACTION),
    ("POST", "/console/actions/findings"): _r(Perm.FINDINGS_MANAGE, Audit.ACTION),
    ("POST", "/console/actions/dead-letters/replay"): _r(Perm.DEAD_LETTERS_REPLAY, Audit.ACTION),
    ("POST", "/console/actions/dead-letters/{dead_letter_id}/edit"): _r(Perm.DEAD_LETTERS_EDIT, Audit.ACTION),
}

# CLI actions (run against the store directly; recorded in the audit log as the OS user).
CLI: dict[str, Perm] = {
    "serve": Perm.PUBLIC,
    "demo": Perm.PUBLIC,
    "ingest": Perm.INGEST,
    "simulate": Perm.INGEST,
    "dlq list": Perm.DEAD_LETTERS_READ,
    "dlq show": Perm.DEAD_LETTERS_READ,
    "dlq replay": Perm.DEAD_LETTERS_REPLAY,
    "users": Perm.USERS_MANAGE,
    "audit verify": Perm.AUDIT_READ,
    "keys rotate": Perm.KEYS_MANAGE,
}


def permissions_of(roles: frozenset[str] | set[str] | tuple[str, ...]) -> frozenset[Perm]:
    """The union of the roles' permissions (unknown role names grant nothing)."""
    granted: set[Perm] = set()
    for name in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return frozenset(granted)


def rule_for(method: str, path: str) -> Rule | None:
    """The rule for a route (``path`` is the route's template, e.g. ``/api/v1/claims/{claim_id}``).
    HEAD is decided like GET."""
    return ROUTES.get(("GET" if method == "HEAD" else method, path))


def parse_roles(text: str) -> tuple[Role, ...]:
    """Roles from a comma-separated list; raises ValueError naming the unknown ones."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in {r.value for r in Role}]
    if unknown or not names:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role(s) {', '.join(unknown) or '(none given)'}; known roles: {known}")
    return tuple(Role(n) for n in names)
