"""Staff roles and what each may do.

Kept as plain data so guards, templates and the CLI agree on one list.
"""

from __future__ import annotations

from enum import StrEnum
from liaison.i18n import N_, Labels

__all__ = ["ROLE_LABELS", "Role", "STAFF_ROLES", "parse_role"]


class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    OFFICE_STAFF = "office_staff"
    VOLUNTEER = "volunteer"


ROLE_LABELS: Labels[Role] = Labels({
    Role.ADMIN: N_("系统管理员"),
    Role.OFFICER: N_("联络站工作人员"),
    Role.OFFICE_STAFF: N_("联络室工作人员"),
    Role.VOLUNTEER: N_("信息员/联络员"),
})

#: Roles that manage drafts (import, publish, close).
DRAFT_MANAGERS: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICER})
#: Every logged-in role.
STAFF_ROLES: frozenset[Role] = frozenset(Role)


def parse_role(value: str) -> Role:
    """Turn user input into a Role, with a message listing the valid ones."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}: use one of {valid}") from None
