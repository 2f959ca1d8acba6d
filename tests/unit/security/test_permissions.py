"""The permission matrix's shape: every role, sensible separations of duty, PHI only where needed."""

from __future__ import annotations

import pytest

from revcycle.security.network import address_allowed
from revcycle.security.permissions import (
    CLI,
    ROLE_PERMISSIONS,
    ROUTES,
    Perm,
    Role,
    parse_roles,
    permissions_of,
)


def test_every_role_has_permissions_and_every_rule_a_known_permission() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert all(Perm.AUTHENTICATED in perms for perms in ROLE_PERMISSIONS.values())
    assert {rule.perm for rule in ROUTES.values()} <= set(Perm)
    assert set(CLI.values()) <= set(Perm)


def test_separation_of_duties() -> None:
    assert Perm.AUDIT_READ not in ROLE_PERMISSIONS[Role.BILLING_ADMIN]
    auditor = ROLE_PERMISSIONS[Role.AUDITOR]
    writes = {Perm.INGEST, Perm.DEAD_LETTERS_REPLAY, Perm.DEAD_LETTERS_EDIT, Perm.USERS_MANAGE, Perm.PHI_VIEW}
    assert Perm.AUDIT_READ in auditor and not auditor & writes
    assert Perm.PHI_VIEW not in ROLE_PERMISSIONS[Role.FINANCE] | ROLE_PERMISSIONS[Role.ANALYST]
    assert Perm.PATIENTS_READ in ROLE_PERMISSIONS[Role.FINANCE]  # accounts, masked names


def test_roles_combine_and_unknown_names_grant_nothing() -> None:
    combined = permissions_of({"finance", "analyst", "root"})
    assert combined == ROLE_PERMISSIONS[Role.FINANCE] | ROLE_PERMISSIONS[Role.ANALYST]
    assert permissions_of({"root"}) == frozenset()


def test_parse_roles_names_the_unknown_ones() -> None:
    assert parse_roles("finance, auditor") == (Role.FINANCE, Role.AUDITOR)
    with pytest.raises(ValueError, match="unknown role\\(s\\) admin"):
        parse_roles("finance,admin")
    with pytest.raises(ValueError):
        parse_roles(" , ")


@pytest.mark.parametrize(
    ("host", "networks", "allowed"),
    [
        ("127.0.0.1", ["127.0.0.0/8"], True),
        ("::1", ["::1/128"], True),
        ("::ffff:10.1.2.3", ["10.0.0.0/8"], True),
        ("10.1.2.3", ["10.2.0.0/16"], False),
        ("testclient", ["0.0.0.0/0"], False),
        ("10.1.2.3", ["not a network", "10.1.2.3"], True),
    ],
)
def test_address_allow_lists(host: str, networks: list[str], allowed: bool) -> None:
    assert address_allowed(host, networks) is allowed
