"""``revcycle keys rotate / retire / status``: the PHI key ring.

``rotate`` writes a ring with a new primary key (old keys kept), then re-encrypts every PHI column
(``schema.PHI_COLUMNS``) with it, in batches; servers still running pick the new key up as soon as they
meet a value sealed with it. ``retire`` drops the old keys once ``status`` shows no value uses them.
Keys are never printed. A ring given in ``$REVCYCLE_PHI_KEY`` is rotated by its owner: ``rotate`` then
writes the new ring to ``--out`` (a file, mode 0600) for the operator to install.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import click

from revcycle.adapters.store import phi_columns
from revcycle.security.phi_crypto import KEY_ENV, KeyRing, load_key_ring, write_key_ring

EXIT_REFUSED = 2


def _context() -> tuple[object, Path]:
    from revcycle.bootstrap import build, phi_key_file
    from revcycle.entrypoints.cli import _settings

    settings = _settings()
    return build(settings), phi_key_file(settings)


@click.group()
def keys() -> None:
    """The key ring that encrypts PHI at rest."""


@keys.command("status")
def status() -> None:
    """Which key encrypts how many stored values (and how many are still in clear)."""
    from revcycle.bootstrap import Container

    container, key_file = _context()
    assert isinstance(container, Container)
    ring = load_key_ring(key_file, create=False)
    counts = phi_columns.key_usage(container.engine)
    click.echo(f"key ring from {ring.source}: keys {', '.join(sorted(ring.keys))}, primary {ring.primary}")
    for key_id, count in sorted(counts.items()):
        click.echo(f"  {key_id:10} {count} values")


@keys.command("rotate")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="where to write the new ring")
@click.option("--batch", default=500, show_default=True)
def rotate(out: Path | None, batch: int) -> None:
    """New primary key, then re-encrypt every PHI value with it."""
    from revcycle.adapters.store.encrypted import install_key_ring
    from revcycle.bootstrap import Container

    container, key_file = _context()
    assert isinstance(container, Container)
    ring = load_key_ring(key_file, create=False)
    from_env = bool(os.environ.get(KEY_ENV))
    if from_env and out is None:
        click.echo(f"the key ring comes from ${KEY_ENV}: give --out FILE for the new ring", err=True)
        sys.exit(EXIT_REFUSED)
    new = ring.rotated()
    write_key_ring(out or key_file, new)
    install_key_ring(container.engine, new)
    counts = phi_columns.reencrypt(container.engine, batch=batch)
    keyed = counts.pop("inbound_messages.partition_key", 0)
    total = sum(counts.values())
    click.echo(f"new primary key {new.primary}; {total} values re-encrypted")
    for column, count in sorted(counts.items()):
        click.echo(f"  {column}: {count}")
    if keyed:
        click.echo(f"  inbound_messages.partition_key: {keyed} kept in clear, now keyed hashes")
    if from_env:
        click.echo(f"install the ring written to {out} as ${KEY_ENV} (its content is not shown)")


@keys.command("retire")
def retire() -> None:
    """Drop every key but the primary, once no stored value uses them."""
    from revcycle.bootstrap import Container

    container, key_file = _context()
    assert isinstance(container, Container)
    if os.environ.get(KEY_ENV):
        click.echo(f"the key ring comes from ${KEY_ENV}: retire keys there", err=True)
        sys.exit(EXIT_REFUSED)
    ring: KeyRing = load_key_ring(key_file, create=False)
    usage: Counter[str] = phi_columns.key_usage(container.engine)
    still = {k: n for k, n in usage.items() if k not in (ring.primary, "clear")}
    if still:
        listed = ", ".join(f"{k} ({n})" for k, n in sorted(still.items()))
        click.echo(f"refused: values still use {listed}; run keys rotate first", err=True)
        sys.exit(EXIT_REFUSED)
    write_key_ring(key_file, ring.retired())
    click.echo(f"retired {len(ring.keys) - 1} old key(s); {ring.primary} remains")
