"""Settings from ``REVCYCLE_*`` environment variables or a ``revcycle.toml`` (environment wins).

Nothing reads settings at import time: the composition root (``revcycle.bootstrap``) calls
``load_settings()`` and passes what each part needs.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_TOML = "revcycle.toml"


class MasterDataPull(BaseModel):
    """A scheduled REST pull of ERP master data (``[[master_data_pulls]]`` in ``revcycle.toml``, or
    ``REVCYCLE_MASTER_DATA_PULLS`` as a JSON list). The authorization header's value is never written
    here: ``auth_header_env`` names the environment variable holding it, or ``auth_header_file`` a file
    (a mounted secret) holding it, re-read before every pull."""

    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: str = Field(description="payer, payer_class, provider, facility, department, contract, ...")
    url: str = Field(pattern=r"^https?://")
    interval_seconds: float = Field(default=3600.0, ge=0.05)
    auth_header_name: str = "Authorization"
    auth_header_env: str | None = Field(
        default=None, description="environment variable with the header value"
    )
    auth_header_file: Path | None = Field(default=None, description="file with the header value")
    since_param: str = Field(default="updated_since", description="query parameter of an incremental pull")
    updated_field: str = Field(default="updated_at", description="record field the watermark is taken from")
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        from revcycle.adapters.formats.masterdata import KINDS

        if value not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}")
        return value


class Settings(BaseSettings):
    """Every setting revcycle reads; ``revcycle config check`` explains the invalid ones."""

    model_config = SettingsConfigDict(env_prefix="REVCYCLE_", extra="forbid", toml_file=DEFAULT_TOML)

    data_dir: Path = Field(default=Path(".revcycle"), description="where the SQLite store and lake live")
    db_url: str | None = Field(default=None, description="sqlite:///... or postgresql+psycopg://...")
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="SQLite (WAL) sync: FULL = an acknowledged message survives power loss; NORMAL = it "
        "survives a crash of the process only (faster commits)",
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    mllp_host: str = "127.0.0.1"
    mllp_port: int = Field(default=2575, ge=0, le=65535)
    mllp_enabled: bool = True
    mllp_idle_timeout: float = Field(default=300.0, gt=0)
    mllp_processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="MLLP edge processes sharing the port (SO_REUSEPORT; Linux, BSD): more cores for "
        "framing, commits and ACKs",
    )
    max_message_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="per-message network limit")
    group_commit_max: int = Field(default=512, ge=1, le=10_000)
    worker_batch: int = Field(default=128, ge=1, le=10_000)
    worker_write_budget: float = Field(
        default=0.015,
        gt=0,
        description="seconds a worker transaction may hold the store's write lock (longer: fewer, larger "
        "transactions and less CPU per message; shorter: the edge waits less for the lock)",
    )
    worker_poll_seconds: float = Field(default=0.2, gt=0)
    worker_linger_seconds: float = Field(
        default=0.02,
        ge=0,
        description="a worker that found less than a full batch waits this long for more before the next "
        "one (fewer, larger transactions; processing is asynchronous to the acknowledgment anyway)",
    )
    worker_nice: int = Field(
        default=0,
        ge=0,
        le=19,
        description="niceness of the worker process, so acknowledgments go first on a dedicated machine "
        "(on a busy shared one a niced worker holds the write lock longer: measured in bench/results)",
    )
    cpu_affinity: Literal["off", "split"] = Field(
        default="off",
        description="split (Linux, two or more CPUs allowed, worker_mode=process): the server process (MLLP "
        "edge, group commit, HTTP API) keeps to one CPU, the worker process and further MLLP processes to "
        "the others, so the edge's threads hand the interpreter lock over on one core (bench/RESULTS.md)",
    )
    workers: bool = Field(default=True, description="run the processing worker inside serve")
    worker_mode: Literal["process", "thread"] = Field(
        default="process",
        description="a separate process (the edge and the worker then use both cores, free of the GIL), "
        "or a thread of the server process",
    )
    max_attempts: int = Field(default=5, ge=1, description="transient retries before a dead letter")
    retry_base_seconds: float = Field(default=1.0, gt=0)
    strict_fhir: bool = False
    x12_sender_qualifier: str = Field(default="ZZ", min_length=2, max_length=2, description="our ISA05/07")
    x12_sender_id: str = Field(default="REVCYCLE", min_length=1, max_length=15, description="our ISA06/08")
    log_level: str = "INFO"
    api_token: str | None = Field(
        default=None,
        description="a static bearer token (integration-engineer role) accepted besides the accounts' "
        "tokens; clients (ingest --url, simulate --to) send it. Environment or secrets file only",
    )
    api_token_file: Path | None = Field(
        default=None, description="a file holding api_token (e.g. a mounted secret); read at start"
    )
    # --- security ---
    auth_disabled: bool = Field(
        default=False,
        description="TEST FIXTURES ONLY: every request runs as a billing administrator; serve and demo "
        "refuse it unless REVCYCLE_ALLOW_AUTH_DISABLED=1 is also set",
    )
    lockout_threshold: int = Field(default=5, ge=1, description="failed logins that lock an account")
    lockout_minutes: float = Field(default=15.0, gt=0)
    session_idle_minutes: float = Field(default=30.0, gt=0)
    session_max_hours: float = Field(default=12.0, gt=0)
    cookie_secure: bool = Field(default=True, description="session cookie only over HTTPS (and localhost)")
    mllp_allow: list[str] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"],
        description="networks allowed to connect to the MLLP listener",
    )
    ingest_allow: dict[str, list[str]] = Field(
        default_factory=dict,
        description="per ingest interface ('*' for any), networks that may ingest without a token",
    )
    audit_retention_days: int = Field(default=2190, ge=1, description="audit entries kept (HIPAA: 6 years)")
    phi_key_file: Path | None = Field(
        default=None,
        description="AES-256 key ring file (default: <data_dir>/keys/phi.keys); or $REVCYCLE_PHI_KEY",
    )
    tls_cert_file: Path | None = Field(default=None, description="HTTPS certificate (PEM)")
    tls_key_file: Path | None = Field(default=None, description="HTTPS private key (PEM)")
    mllp_tls_cert_file: Path | None = Field(default=None, description="MLLP over TLS certificate (PEM)")
    mllp_tls_key_file: Path | None = Field(default=None, description="MLLP over TLS private key (PEM)")
    master_data_pulls: list[MasterDataPull] = Field(
        default_factory=list, description="scheduled REST pulls of ERP master data"
    )
    quarantine_without_contract: bool = Field(
        default=True,
        description="with contracts loaded, also hold a claim to a known payer with no contract valid on "
        "its date of service (its fee schedule is unknown)",
    )
    quarantine_unmapped: bool = Field(
        default=True,
        description="hold items that reference unknown master data (of a kind that has been loaded) "
        "until it arrives",
    )
    # --- rules ---
    codesets_dir: Path | None = Field(
        default=None,
        description="folder of CMS/CDC code-set files (e.g. ../shared/data/codesets); default: the copies "
        "vendored in the package",
    )
    chargemaster_file: Path | None = Field(
        default=None, description="CSV service_code,code: local service / charge item -> CPT/HCPCS or revenue"
    )
    rule_mue_file: Path | None = Field(
        default=None, description="CMS NCCI MUE table (CSV); default: a small one"
    )
    rule_ptp_file: Path | None = Field(
        default=None, description="CMS NCCI PTP edits (CSV); default: a small one"
    )
    rule_sex_age_file: Path | None = Field(default=None, description="sex / age edits (CSV); default: small")
    rule_missing_charge_hours: float = Field(
        default=72.0, gt=0, description="a visit ended this long ago without charges is a missing charge"
    )
    rule_timely_filing_margin_days: int = Field(
        default=14, ge=0, description="flag a charge this many days before the payer's filing deadline"
    )
    sweep_interval_seconds: float = Field(default=300.0, gt=0, description="how often the sweeps run")
    underpayment_tolerance: Decimal = Field(
        default=Decimal("0.50"),
        ge=0,
        description="dollars a line may be allowed below its contract before it is an underpayment "
        "(a contract's own tolerance wins)",
    )
    # ERP posting (issue 7)
    erp_gl_mapping: Path | None = Field(default=None, description="GL mapping file (TOML or JSON)")
    erp_summary_level: Literal["encounter", "daily"] = Field(
        default="daily", description="journals per encounter, or per day by facility/payer class/service line"
    )
    erp_open_from: date | None = Field(default=None, description="earlier transactions post on this date")
    erp_adapter: str = Field(default="file", description="the ERP adapter: file or rest")
    erp_export_dir: Path | None = Field(default=None, description="file export folder (default DATA_DIR/erp)")
    erp_export_format: Literal["json", "csv"] = "json"
    erp_rest_url: str | None = Field(default=None, description="REST ERP endpoint for journal batches")
    erp_rest_token_env: str | None = Field(default=None, description="environment variable with the token")
    erp_rest_token_file: Path | None = Field(default=None, description="file with the REST ERP token")
    erp_rest_mapping: Path | None = Field(default=None, description="REST payload mapping file")
    erp_rest_timeout: float = Field(default=10.0, gt=0)
    erp_batch: int = Field(default=200, ge=1, le=10_000, description="journals per ERP request")
    erp_max_attempts: int = Field(default=8, ge=1, description="ERP attempts before a dead letter")
    erp_retry_base_seconds: float = Field(default=1.0, gt=0)
    erp_retry_max_seconds: float = Field(default=300.0, gt=0)
    erp_lease_seconds: float = Field(default=60.0, gt=0, description="in-flight lease of a journal batch")
    erp_poll_seconds: float = Field(default=0.5, gt=0)
    erp_poster: bool = Field(default=False, description="run the journal builder and ERP poster inside serve")
    recon_claim_lag_days: int = Field(default=10, ge=0, description="unclaimed charges younger are in flight")
    recon_ack_grace_minutes: float = Field(
        default=60.0, ge=0, description="unacknowledged journals younger are in flight"
    )
    recon_variance_amount: Decimal = Field(
        default=Decimal("0.00"), ge=0, description="tolerated amount difference"
    )
    alerts_enabled: bool = Field(default=True, description="evaluate alert rules and notify inside serve")
    alert_rules: Path | None = Field(
        default=None, description="alert rules and channels (TOML); reloaded when it changes; none: defaults"
    )
    alert_poll_seconds: float = Field(default=0.2, gt=0, le=60, description="how often alerting looks")
    public_url: str | None = Field(default=None, description="the console's address, for links in alerts")

    @field_validator("db_url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite://", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @model_validator(mode="after")
    def _token_from_file(self) -> Settings:
        if self.api_token is None and self.api_token_file is not None:
            try:
                self.api_token = self.api_token_file.read_text().strip() or None
            except OSError as error:
                raise ValueError(f"cannot read api_token_file: {error.strerror}") from None
        return self

    @field_validator("codesets_dir")
    @classmethod
    def _codesets_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not any(value.glob("icd10cm_code-list-*.txt*")):
            raise ValueError(f"{value} holds no ICD-10-CM code list (icd10cm_code-list-<Month>-<YYYY>.txt)")
        return value

    @field_validator("chargemaster_file", "rule_mue_file", "rule_ptp_file", "rule_sex_age_file")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return upper

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("REVCYCLE_CONFIG", DEFAULT_TOML)
        return (init_settings, env_settings, _TomlWithoutSecrets(settings_cls, toml_file=toml_path))

    @property
    def database_url(self) -> str:
        """The store's URL: ``db_url`` if set, else a SQLite file under ``data_dir``."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'revcycle.db').resolve()}"


SECRET_SETTINGS = ("api_token", "phi_key")


class _TomlWithoutSecrets(TomlConfigSettingsSource):
    """The config file, refusing secrets: those come from the environment or files only."""

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        found = [name for name in SECRET_SETTINGS if name in values]
        if found:
            raise SettingsError(
                [
                    (f"REVCYCLE_{name.upper()}", "a secret: set it in the environment, not the config file")
                    for name in found
                ]
            )
        return values


class SettingsError(Exception):
    """Invalid settings; ``problems`` lists (setting, explanation) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems))
        self.problems = problems


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and ``revcycle.toml``; raise SettingsError listing every problem."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            problems.append((f"REVCYCLE_{name.upper()}", error["msg"]))
        raise SettingsError(problems) from None
