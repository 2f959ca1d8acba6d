"""Settings from ``REVCYCLE_*`` environment variables or a ``revcycle.toml`` (environment wins).

Nothing reads settings at import time: the composition root (``revcycle.bootstrap``) calls
``load_settings()`` and passes what each part needs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_TOML = "revcycle.toml"


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
    max_message_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="per-message network limit")
    group_commit_max: int = Field(default=512, ge=1, le=10_000)
    worker_batch: int = Field(default=128, ge=1, le=10_000)
    worker_write_budget: float = Field(
        default=0.005, gt=0, description="seconds a worker transaction may hold the store's write lock"
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
    api_token: str | None = Field(default=None, description="bearer token machines must present")

    @field_validator("db_url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite://", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
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
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))

    @property
    def database_url(self) -> str:
        """The store's URL: ``db_url`` if set, else a SQLite file under ``data_dir``."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.data_dir / 'revcycle.db').resolve()}"


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
