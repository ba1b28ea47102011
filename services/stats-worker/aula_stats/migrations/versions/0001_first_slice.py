"""Users, chats, memberships, daily message counts, processed updates.

Revision ID: stats_0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "stats_0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stats_users",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("first_name", sa.String(256), nullable=False),
        sa.Column("last_name", sa.String(256)),
        sa.Column("username", sa.String(64)),
        sa.Column("language_code", sa.String(16)),
        sa.Column("is_premium", sa.Boolean()),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
    )
    op.create_index("stats_users_username", "stats_users", ["username"])
    op.create_table(
        "stats_chats",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(256)),
        sa.Column("username", sa.String(64)),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
    )
    op.create_table(
        "stats_memberships",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
    )
    op.create_index("stats_memberships_user", "stats_memberships", ["user_id"])
    op.create_table(
        "stats_message_counts",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("messages", sa.Integer(), nullable=False),
    )
    op.create_index("stats_message_counts_chat_day", "stats_message_counts", ["chat_id", "day"])
    op.create_table(
        "stats_processed_updates",
        sa.Column("bot_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("processed_at", TZ, nullable=False),
    )
    op.create_index("stats_processed_updates_at", "stats_processed_updates", ["processed_at"])


def downgrade() -> None:
    for table in ("stats_processed_updates", "stats_message_counts", "stats_memberships", "stats_chats", "stats_users"):
        op.drop_table(table)
