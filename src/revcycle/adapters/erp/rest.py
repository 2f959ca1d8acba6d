"""REST ERP: journals POSTed as JSON to an endpoint, with a bearer token read from an environment
variable or a file (never from the settings file itself), and a configurable payload mapping.

The payload mapping (a JSON or TOML file) renames fields for the ERP's API::

    envelope = "journals"                 # the list's key in the request body
    results = "results"                   # the list's key in the answer
    ack_key = "key"                       # in each result: our idempotency key ...
    ack_document = "document_id"          # ... and the ERP's document id
    [journal]                             # our field -> the ERP's field
    key = "externalId"
    [line]
    account = "glAccount"

A connection failure, a timeout or a 5xx / 429 is ``ErpUnavailable`` (retried); another 4xx, or an
answer that is not the expected JSON, is ``ErpRejected`` (dead letter).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from revcycle.domain.erp_payload import ErpJournal
from revcycle.service_layer.erp_ports import ErpAck, ErpRejected, ErpUnavailable


@dataclass(frozen=True, slots=True)
class PayloadMapping:
    envelope: str = "journals"
    results: str = "results"
    ack_key: str = "key"
    ack_document: str = "document_id"
    journal: Mapping[str, str] = field(default_factory=dict)
    line: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> PayloadMapping:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        known = {"envelope", "results", "ack_key", "ack_document", "journal", "line"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown payload mapping key(s): {', '.join(unknown)}")
        return cls(**data)

    def body(self, journals: Sequence[ErpJournal]) -> dict[str, Any]:
        out = []
        for j in journals:
            data = j.to_dict()
            data["lines"] = [{self.line.get(k, k): v for k, v in line.items()} for line in data["lines"]]
            out.append({self.journal.get(k, k): v for k, v in data.items()})
        return {self.envelope: out}


def read_token(env_name: str | None, file: Path | None, environ: Mapping[str, str]) -> str | None:
    if env_name:
        return environ.get(env_name) or None
    if file is not None:
        return file.read_text(encoding="utf-8").strip() or None
    return None


class RestErp:
    name = "rest"

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        mapping: PayloadMapping | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self.mapping = mapping or PayloadMapping()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = client or httpx.Client(timeout=timeout, headers=headers)

    def post(self, journals: Sequence[ErpJournal]) -> list[ErpAck]:
        if not journals:
            return []
        try:
            response = self.client.post(self.url, json=self.mapping.body(journals))
        except httpx.TimeoutException:
            raise ErpUnavailable("the ERP did not answer in time") from None
        except httpx.HTTPError as error:
            raise ErpUnavailable(f"the ERP could not be reached ({type(error).__name__})") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ErpUnavailable(f"the ERP answered {response.status_code}")
        if response.status_code >= 400:
            raise ErpRejected(f"the ERP refused the batch ({response.status_code})")
        try:
            results = response.json()[self.mapping.results]
            return [
                ErpAck(str(r[self.mapping.ack_key]), str(r[self.mapping.ack_document]))
                for r in results
                if r.get(self.mapping.ack_document)
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ErpRejected("the ERP's answer is not the expected JSON") from None

    def close(self) -> None:
        self.client.close()
