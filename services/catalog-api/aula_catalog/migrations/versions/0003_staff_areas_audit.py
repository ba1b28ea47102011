"""Staff logins get areas (every existing login keeps them all) and the admin's changes an audit log.

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None

ALL_AREAS = "catalog,moderation,onboarding,statistics,staff"
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("catalog_staff_users") as batch:
        batch.add_column(sa.Column("areas", sa.String(length=200), server_default=ALL_AREAS, nullable=False))
    op.create_table(
        "catalog_staff_audit",
        sa.Column("id", ID, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_user_id", sa.Integer()),
        sa.Column("staff_username", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=16)),
        sa.Column("view", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=64)),
        sa.Column("object_id", sa.String(length=128)),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("status", sa.SmallInteger()),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_staff_audit"),
    )
    op.create_index("ix_catalog_staff_audit_at", "catalog_staff_audit", ["at"])
    op.create_table(
        "catalog_staff_audit_people",
        sa.Column("audit_id", ID, nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["catalog_staff_audit.id"],
            name="fk_catalog_staff_audit_people_audit_id_catalog_staff_audit",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("audit_id", "telegram_user_id", name="pk_catalog_staff_audit_people"),
    )
    op.create_index(
        "ix_catalog_staff_audit_people_telegram_user_id", "catalog_staff_audit_people", ["telegram_user_id"]
    )


def downgrade() -> None:
    op.drop_table("catalog_staff_audit_people")
    op.drop_table("catalog_staff_audit")
    with op.batch_alter_table("catalog_staff_users") as batch:
        batch.drop_column("areas")
