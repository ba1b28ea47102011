"""Chat photos: the bytes of each chat's big photo, downloaded by the group sync when it changes.

Revision ID: stats_0004
Revises: stats_0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "stats_0004"
down_revision = "stats_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_chat_photos",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("file_unique_id", sa.String(128), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stats_chat_photos")
