"""The key ring seals with its primary key (cipher set up once) and follows a rotation made elsewhere."""

from __future__ import annotations

import pytest

from revcycle.security.phi_crypto import KeyRing, KeyRingError

COLUMN = "inbound_messages.raw"


def test_each_seal_has_its_own_nonce_and_opens_only_in_its_column() -> None:
    ring = KeyRing.generate()
    first, second = ring.encrypt(b"MSH|^~\\&|", COLUMN), ring.encrypt(b"MSH|^~\\&|", COLUMN)
    assert first != second  # fresh nonce each time
    assert ring.decrypt(first, COLUMN) == ring.decrypt(second, COLUMN) == b"MSH|^~\\&|"
    with pytest.raises(KeyRingError):
        ring.decrypt(first, "patients.data")


def test_a_ring_that_meets_a_newer_key_reloads_and_then_seals_with_the_new_primary() -> None:
    old = KeyRing.generate()
    rotated = old.rotated()  # another process rotated the keys and wrote the new ring
    stale = KeyRing(dict(old.keys), old.primary, old.index_key, reload=lambda: rotated)
    from_elsewhere = rotated.encrypt(b"new", COLUMN)
    assert stale.decrypt(from_elsewhere, COLUMN) == b"new"  # unknown key id: reloaded
    sealed_after = stale.encrypt(b"after", COLUMN)
    assert sealed_after[5:13].decode().strip() == rotated.primary != old.primary
    assert rotated.retired().decrypt(sealed_after, COLUMN) == b"after"
