"""Network jobs remember the bot the command came through: a broadcast's report goes back through it.

Revision ID: moderation_0004
Revises: moderation_0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0004"
down_revision = "moderation_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("moderation_jobs") as batch:
        batch.add_column(sa.Column("bot_id", sa.BigInteger()))


def downgrade() -> None:
    with op.batch_alter_table("moderation_jobs") as batch:
        batch.drop_column("bot_id")
