"""One incremental pull of ERP master data over REST, and where each pull left off.

``GET <url>?<since_param>=<watermark>`` with the authorization header read from the environment or a
file at the time of the pull; the answer is a JSON list of records, or an object with ``records`` (the
wire form's). The watermark is the largest ``updated_field`` among the records received (ISO timestamps
compare as text); it advances only once the records are stored durably in the inbound log.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine, insert, select, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.schema import master_data_pulls
from revcycle.settings import MasterDataPull


class PullError(Exception):
    """A pull that could not fetch usable records; the text is PHI-free (a status, an error type)."""


def auth_header(pull: MasterDataPull) -> dict[str, str]:
    """The configured header, its value from the environment variable or the file named."""
    value: str | None = None
    if pull.auth_header_env:
        value = os.environ.get(pull.auth_header_env)
        if value is None:
            raise PullError(f"environment variable {pull.auth_header_env} is not set")
    elif pull.auth_header_file is not None:
        try:
            value = pull.auth_header_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise PullError(f"auth header file not readable ({type(error).__name__})") from None
    return {pull.auth_header_name: value} if value else {}


async def fetch(
    pull: MasterDataPull, watermark: str | None, client: httpx.AsyncClient
) -> list[dict[str, Any]]:
    params = {pull.since_param: watermark} if watermark else {}
    try:
        response = await client.get(
            pull.url, params=params, headers=auth_header(pull), timeout=pull.timeout_seconds
        )
    except httpx.HTTPError as error:
        raise PullError(f"ERP unreachable ({type(error).__name__})") from None
    if response.status_code != 200:
        raise PullError(f"ERP answered HTTP {response.status_code}")
    try:
        document = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PullError("ERP answer is not JSON") from None
    records = document.get("records") if isinstance(document, dict) else document
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise PullError('ERP answer is neither a list of records nor {"records": [...]}')
    return records


def next_watermark(records: list[dict[str, Any]], field: str, current: str | None) -> str | None:
    stamps = [str(r[field]) for r in records if r.get(field)]
    return max([*stamps, *([current] if current else [])], default=None)


@dataclass(frozen=True, slots=True)
class PullState:
    name: str
    watermark: str | None
    last_status: str | None
    records: int


class SqlPullState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, name: str) -> PullState:
        c = master_data_pulls.c
        with self.engine.connect() as conn:
            row = conn.execute(select(master_data_pulls).where(c.name == name)).first()
        if row is None:
            return PullState(name, None, None, 0)
        return PullState(name, row.watermark, row.last_status, row.records)

    def save(
        self,
        name: str,
        *,
        at: datetime,
        status: str,
        watermark: str | None = None,
        error: str | None = None,
        message_id: int | None = None,
        records: int = 0,
    ) -> None:
        c = master_data_pulls.c
        values: dict[str, Any] = {"last_run_at": at, "last_status": status, "last_error": error}
        if watermark is not None:
            values["watermark"] = watermark
        if message_id is not None:
            values["last_message_id"] = message_id
        with for_writing(self.engine).begin() as conn:
            found = conn.execute(select(c.records).where(c.name == name)).first()
            if found is None:
                conn.execute(insert(master_data_pulls).values(name=name, records=records, **values))
            else:
                conn.execute(
                    update(master_data_pulls)
                    .where(c.name == name)
                    .values(records=found.records + records, **values)
                )
