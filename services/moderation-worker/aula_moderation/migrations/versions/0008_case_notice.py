"""A case keeps its group notice until Telegram took it, so that a retried update still announces the case.

Before this revision a command whose notice was refused with a flood wait was retried, found its case and stopped:
the notice (and, for a warning at the limit, the mute or ban after it) was never sent.

Revision ID: moderation_0008
Revises: moderation_0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0008"
down_revision = "moderation_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.add_column(sa.Column("notice", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.drop_column("notice")
