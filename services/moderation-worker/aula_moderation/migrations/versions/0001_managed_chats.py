"""Managed chats.

Revision ID: moderation_0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moderation_chats",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(256)),
        sa.Column("language", sa.String(2), nullable=False, server_default="it"),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("migrated_to", sa.BigInteger()),
        sa.Column("managed", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("notice_sent_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("moderation_chats")
