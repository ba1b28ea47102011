"""Each staff login remembers the language it reads the staff admin in (it or en; Italian until changed).

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_staff_users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), server_default="it", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("catalog_staff_users") as batch:
        batch.drop_column("language")
