"""Who is making a request: a user signed in with a session, a machine with an API token, or a
source address on an interface's allow-list."""

from __future__ import annotations

from dataclasses import dataclass

from revcycle.security.permissions import Perm, permissions_of


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # username, "token:<id>@<user>", or "address:<ip>"
    roles: frozenset[str]
    kind: str  # session, token, address, static-token, test
    user_id: int | None = None
    session_id: int | None = None
    token_id: int | None = None
    csrf_token: str | None = None
    mfa_passed: bool = True

    @property
    def permissions(self) -> frozenset[Perm]:
        return permissions_of(self.roles)

    def can(self, perm: Perm) -> bool:
        if perm is Perm.PUBLIC:
            return True
        return perm in self.permissions

    @property
    def roles_text(self) -> str:
        return ",".join(sorted(self.roles))
