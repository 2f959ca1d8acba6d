"""Source-address allow-lists (MLLP listener, ingest routes) and TLS contexts for listeners."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable
from pathlib import Path


def address_allowed(host: str, networks: list[str]) -> bool:
    """Whether ``host`` (an IP address) falls in one of ``networks`` (CIDR); names never match."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def allow_list(networks: list[str]) -> Callable[[str], bool]:
    return lambda host: address_allowed(host, networks)


def server_tls(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2 at least) from PEM files."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), str(key_file))
    return context
