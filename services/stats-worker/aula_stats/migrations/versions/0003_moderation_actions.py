"""Moderation actions (from moderation's case events) and the view of them per day.

Revision ID: stats_0003
Revises: stats_0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "stats_0003"
down_revision = "stats_0002"
branch_labels = None
depends_on = None

# Documented in services/stats-worker/README.md. A network-wide case (chat_id NULL) is a row of its own.
DAILY_MODERATION_ACTIONS = """
    SELECT day, chat_id, action, CAST(COUNT(*) AS BIGINT) AS actions
    FROM stats_moderation_actions
    GROUP BY day, chat_id, action
"""


def upgrade() -> None:
    op.create_table(
        "stats_moderation_actions",
        sa.Column("case_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("chat_id", sa.BigInteger()),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_user_id", sa.BigInteger()),
    )
    op.create_index("stats_moderation_actions_day", "stats_moderation_actions", ["day", "action"])
    op.create_index(
        "ix_stats_moderation_actions_target_user_id", "stats_moderation_actions", ["target_user_id"]
    )
    op.execute(f"CREATE VIEW daily_moderation_actions AS {DAILY_MODERATION_ACTIONS}")


def downgrade() -> None:
    op.execute("DROP VIEW daily_moderation_actions")
    op.drop_table("stats_moderation_actions")
