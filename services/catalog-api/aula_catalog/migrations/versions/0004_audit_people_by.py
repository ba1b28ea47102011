"""Audit entries name the staff member who whitelisted a bot, verified a user or decided an appeal: entries
recorded before `aula_shared.staff.PERSON_KEYS` knew those columns are linked to them now, so that `aula users
export|erase` finds them.

Revision ID: catalog_0004
Revises: catalog_0003
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0004"
down_revision = "catalog_0003"
branch_labels = None
depends_on = None

# The keys PERSON_KEYS gained (a copy: this migration must keep doing what it did when the rule changes again).
NEW_KEYS = ("whitelisted_by", "verified_by", "decided_by")

audit = sa.table(
    "catalog_staff_audit", sa.column("id", sa.BigInteger()), sa.column("before", sa.JSON()), sa.column("after", sa.JSON())
)
people = sa.table(
    "catalog_staff_audit_people", sa.column("audit_id", sa.BigInteger()), sa.column("telegram_user_id", sa.BigInteger())
)


def _named(*values) -> set[int]:
    found = set()
    for row in values:
        for key in NEW_KEYS:
            value = (row or {}).get(key) if isinstance(row, dict) else None
            if value in (None, ""):
                continue
            try:
                found.add(int(value))
            except (TypeError, ValueError):
                continue
    return found


def upgrade() -> None:
    connection = op.get_bind()
    mentions = sa.or_(
        *(sa.cast(column, sa.Text).like(f"%{key}%") for column in (audit.c.before, audit.c.after) for key in NEW_KEYS)
    )
    candidates = connection.execute(sa.select(audit.c.id, audit.c.before, audit.c.after).where(mentions)).all()
    for audit_id, before, after in candidates:  # few: the entries of three pages
        linked = set(connection.scalars(sa.select(people.c.telegram_user_id).where(people.c.audit_id == audit_id)))
        missing = sorted(_named(before, after) - linked)
        if missing:
            connection.execute(people.insert(), [{"audit_id": audit_id, "telegram_user_id": p} for p in missing])


def downgrade() -> None:
    pass  # links to the people an entry names do no harm to the earlier schema
