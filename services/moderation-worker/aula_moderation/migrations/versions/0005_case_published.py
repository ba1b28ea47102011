"""Cases remember when stats was sent their event: a sweep sends the ones the after-commit push missed.

Cases stored before this revision count as sent (published_at = created_at): their events went out on the
after-commit push, and the rare one lost then cannot be told apart now — sending the whole history again would
be correct (stats counts by case id) but a flood for nothing.

Revision ID: moderation_0005
Revises: moderation_0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0005"
down_revision = "moderation_0004"
branch_labels = None
depends_on = None

UNPUBLISHED = sa.text("published_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE moderation_cases SET published_at = created_at")
    op.create_index(
        "ix_moderation_cases_unpublished",
        "moderation_cases",
        ["id"],
        postgresql_where=UNPUBLISHED,
        sqlite_where=UNPUBLISHED,
    )


def downgrade() -> None:
    op.drop_index("ix_moderation_cases_unpublished", table_name="moderation_cases")
    with op.batch_alter_table("moderation_cases") as batch:
        batch.drop_column("published_at")
