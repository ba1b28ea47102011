"""Network-wide settings: the layer between the built-in defaults and each group's own values.

Revision ID: moderation_0006
Revises: moderation_0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0006"
down_revision = "moderation_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moderation_network_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(128)),
    )


def downgrade() -> None:
    op.drop_table("moderation_network_settings")
