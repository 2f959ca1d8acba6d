"""The edge's idempotency keys (service_layer/intake.py): equal exactly when (format, sender, control
id, content) are, and sorted by sender and control id so a sender's appends land together in the log's
unique index."""

from __future__ import annotations

from revcycle.adapters.formats.base import Envelope
from revcycle.service_layer.intake import content_hash, idempotency_key, key_prefix, refused_key


def _envelope(control_id: str | None, sender: str | None = "LAB^NORTH", fmt: str = "hl7v2") -> Envelope:
    return Envelope(format=fmt, message_type="DFT_P03", control_id=control_id, sender=sender)


def _key(control_id: str | None, raw: bytes = b"MSH|...", **kwargs: str | None) -> str:
    return idempotency_key(_envelope(control_id, **kwargs), "mllp", content_hash(raw))


def test_a_resend_gets_the_same_key_and_any_difference_another() -> None:
    assert _key("MSG0001") == _key("MSG0001", b"MSH|...\r\n")  # trailing line ends do not count
    keys = {
        _key("MSG0001"),
        _key("MSG0001", b"MSH|other content"),  # a control id reused for other content
        _key("MSG0002"),
        _key("MSG0001", sender="LAB^SOUTH"),
        _key("MSG0001", fmt="x12"),
        _key(None),
    }
    assert len(keys) == 6


def test_a_senders_sequential_control_ids_sort_together_and_in_order() -> None:
    north = [_key(f"{n:08d}", f"content {n}".encode()) for n in range(1, 40)]
    south = [_key(f"{n:08d}", f"content {n}".encode(), sender="LAB^SOUTH") for n in range(1, 40)]
    assert sorted(north) == north  # each append lands after the one before
    merged = sorted(north + south)
    assert merged in (north + south, south + north)  # the two senders do not interleave


def test_the_prefix_only_decides_where_a_key_sorts() -> None:
    envelope = _envelope("MSG0001")
    key = idempotency_key(envelope, "mllp", content_hash(b"x"))
    prefix = key_prefix(envelope, "mllp")
    assert key.startswith(prefix) and prefix.endswith("MSG0001|")
    assert len(key) == len(prefix) + 64  # the SHA-256 of the whole basis follows
    assert key_prefix(_envelope(None), "mllp") == "" and key_prefix(None, "mllp") == ""
    no_sender = _envelope("MSG0001", sender=None)  # the interface stands in for the sender
    assert key_prefix(no_sender, "mllp") != key_prefix(no_sender, "lab")


def test_keys_fit_the_column_whatever_the_control_id_and_sender() -> None:
    key = idempotency_key(_envelope("9" * 500, sender="S" * 500), "mllp", content_hash(b"x"))
    assert len(key) <= 113 <= 200  # inbound_messages.idempotency_key is String(200)


def test_a_refused_message_is_keyed_apart_from_the_same_bytes_accepted() -> None:
    envelope, digest = _envelope("MSG0001"), content_hash(b"x")
    refused = refused_key(envelope, "mllp", digest, "type_mismatch")
    assert refused != idempotency_key(envelope, "mllp", digest)
    assert refused != refused_key(envelope, "mllp", digest, "other_reason")
    assert refused.startswith(key_prefix(envelope, "mllp"))
