"""Credentials (argon2id, tokens, TOTP, recovery codes) and the audit hash chain, without a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from revcycle.security import credentials
from revcycle.security.audit_chain import GENESIS, entry_hash, verify_rows
from revcycle.security.masking import MASK, mask, phi_keys


def test_passwords_hash_with_argon2id_and_verify() -> None:
    stored = credentials.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert credentials.verify_password(stored, "correct horse battery")
    assert not credentials.verify_password(stored, "correct horse batterY")
    assert not credentials.verify_password(None, "anything")  # machine accounts never sign in
    assert credentials.password_problem("short") and credentials.password_problem("long enough pw") is None


def test_tokens_are_random_and_stored_as_digests() -> None:
    a, b = credentials.new_token(), credentials.new_token()
    assert a != b and a.startswith("rct_") and len(a) > 40
    assert credentials.digest(a) != a and len(credentials.digest(a)) == 64


def test_totp_accepts_the_current_code_and_rejects_others() -> None:
    secret = credentials.new_totp_secret()
    totp = pyotp.TOTP(secret)
    assert credentials.verify_totp(secret, totp.now()) is not None
    assert credentials.verify_totp(secret, totp.at(datetime.now(UTC) - timedelta(seconds=30))) is not None
    assert credentials.verify_totp(secret, totp.at(datetime.now(UTC) - timedelta(minutes=5))) is None
    assert credentials.verify_totp(secret, "abcdef") is None
    step = credentials.verify_totp(secret, totp.now())
    assert step is not None and credentials.verify_totp(secret, totp.now(), after_step=step) is None
    assert "secret=" + secret in credentials.otpauth_uri(secret, "alice")


def test_recovery_codes_work_once() -> None:
    codes = credentials.new_recovery_codes(3)
    hashes = credentials.hash_recovery_codes(codes)
    left = credentials.use_recovery_code(hashes, codes[1])
    assert left is not None and len(left) == 2
    assert credentials.use_recovery_code(left, codes[1]) is None


def _chain(n: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    prev = GENESIS
    for i in range(1, n + 1):
        row: dict[str, object] = {
            "id": i, "seq": i, "at": datetime(2026, 11, 22, 12, 0, i, tzinfo=UTC), "actor": f"u{i}",
            "roles": "auditor", "action": "patients.read", "kind": "phi-read", "method": "GET",
            "route": "/api/v1/patients", "record": None, "source": "10.0.0.1", "outcome": "ok", "detail": {},
            "prev_hash": prev,
        }  # fmt: skip
        row["hash"] = prev = entry_hash(prev, row)
        rows.append(row)
    return rows


def test_the_chain_detects_edits_deletions_and_reordering() -> None:
    assert verify_rows(_chain(4)) == []
    edited = _chain(4)
    edited[1]["outcome"] = "denied"
    assert [(b.seq, b.problem) for b in verify_rows(edited)] == [(2, "edited")]
    deleted = _chain(4)
    del deleted[1]
    assert [(b.seq, b.problem) for b in verify_rows(deleted)] == [(3, "missing")]
    swapped = _chain(4)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    assert {b.problem for b in verify_rows(swapped)} >= {"missing", "reordered"}


def test_naive_and_aware_times_hash_alike() -> None:
    row = _chain(1)[0]
    naive = {**row, "at": datetime(2026, 11, 22, 12, 0, 1)}
    assert entry_hash(GENESIS, row) == entry_hash(GENESIS, naive)


def test_masking_follows_the_domain_phi_marks() -> None:
    keys = phi_keys()
    assert {"family_name", "given_name", "birth_date", "member_id", "address", "raw"} <= keys
    assert "account" not in keys
    masked = mask({"items": [{"account": "A1", "data": {"family_name": "X", "sex": "F", "phone": None}}]})
    assert masked == {"items": [{"account": "A1", "data": {"family_name": MASK, "sex": "F", "phone": None}}]}
