"""Profile history, chat facts from the group sync, joins and leaves, the catalog's structure, tracked profiles,
and the analysts' views.

Revision ID: stats_0002
Revises: stats_0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "stats_0002"
down_revision = "stats_0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only

# The views analysts query (documented in services/stats-worker/README.md). Plain SQL both PostgreSQL and
# SQLite understand; sums are cast so PostgreSQL does not widen them to numeric.
VIEWS = {
    "daily_chat_activity": """
        SELECT a.day, a.chat_id,
               CAST(SUM(a.messages) AS BIGINT) AS messages,
               CAST(SUM(a.active_users) AS BIGINT) AS active_users,
               CAST(SUM(a.joins) AS BIGINT) AS joins,
               CAST(SUM(a.leaves) AS BIGINT) AS leaves
        FROM (
            SELECT day, chat_id, SUM(messages) AS messages, COUNT(*) AS active_users, 0 AS joins, 0 AS leaves
            FROM stats_message_counts GROUP BY day, chat_id
            UNION ALL
            SELECT day, chat_id, messages, active_users, 0, 0 FROM stats_chat_days
            UNION ALL
            SELECT day, chat_id, 0, 0, joins, leaves FROM stats_membership_changes
        ) AS a
        JOIN stats_chats AS c ON c.id = a.chat_id AND c.type IN ('group', 'supergroup')
        GROUP BY a.day, a.chat_id
    """,
    "daily_degree_activity": """
        SELECT a.day, d.slug AS degree, d.name AS degree_name, d.department_slug AS department,
               CAST(COUNT(*) AS BIGINT) AS chats,
               CAST(SUM(a.messages) AS BIGINT) AS messages,
               CAST(COALESCE(MAX(u.users), SUM(a.active_users)) AS BIGINT) AS active_users,
               CAST(SUM(a.joins) AS BIGINT) AS joins,
               CAST(SUM(a.leaves) AS BIGINT) AS leaves
        FROM daily_chat_activity AS a
        JOIN stats_chat_degrees AS cd ON cd.chat_id = a.chat_id
        JOIN stats_degrees AS d ON d.slug = cd.degree_slug
        LEFT JOIN (
            SELECT m.day, x.degree_slug, COUNT(DISTINCT m.user_id) AS users
            FROM stats_message_counts AS m JOIN stats_chat_degrees AS x ON x.chat_id = m.chat_id
            GROUP BY m.day, x.degree_slug
        ) AS u ON u.day = a.day AND u.degree_slug = d.slug
        GROUP BY a.day, d.slug, d.name, d.department_slug
    """,
    "daily_department_activity": """
        SELECT a.day, p.slug AS department, p.name AS department_name,
               CAST(COUNT(*) AS BIGINT) AS chats,
               CAST(SUM(a.messages) AS BIGINT) AS messages,
               CAST(COALESCE(MAX(u.users), SUM(a.active_users)) AS BIGINT) AS active_users,
               CAST(SUM(a.joins) AS BIGINT) AS joins,
               CAST(SUM(a.leaves) AS BIGINT) AS leaves
        FROM daily_chat_activity AS a
        JOIN stats_chat_departments AS cp ON cp.chat_id = a.chat_id
        JOIN stats_departments AS p ON p.slug = cp.department_slug
        LEFT JOIN (
            SELECT m.day, x.department_slug, COUNT(DISTINCT m.user_id) AS users
            FROM stats_message_counts AS m JOIN stats_chat_departments AS x ON x.chat_id = m.chat_id
            GROUP BY m.day, x.department_slug
        ) AS u ON u.day = a.day AND u.department_slug = p.slug
        GROUP BY a.day, p.slug, p.name
    """,
    "chat_directory": """
        SELECT c.id AS chat_id, c.type, c.title, c.username, c.member_count, c.invite_link,
               c.migrated_to, c.first_seen, c.last_seen, c.synced_at
        FROM stats_chats AS c
        WHERE c.type IN ('group', 'supergroup')
    """,
}


def upgrade() -> None:
    with op.batch_alter_table("stats_chats") as chats:
        chats.add_column(sa.Column("description", sa.Text()))
        chats.add_column(sa.Column("invite_link", sa.String(256)))
        chats.add_column(sa.Column("photo_file_id", sa.String(256)))
        chats.add_column(sa.Column("photo_unique_id", sa.String(128)))
        chats.add_column(sa.Column("member_count", sa.Integer()))
        chats.add_column(sa.Column("migrated_to", sa.BigInteger()))
        chats.add_column(sa.Column("synced_at", TZ))
        chats.add_column(sa.Column("sync_error", sa.String(256)))
    op.create_table(
        "stats_chat_bots",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("bot_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
    )
    op.create_table(
        "stats_profile_history",
        sa.Column("id", AUTO_ID, primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", TZ, nullable=False),
        sa.Column("first_name", sa.String(256), nullable=False),
        sa.Column("last_name", sa.String(256)),
        sa.Column("username", sa.String(64)),
    )
    op.create_index("stats_profile_history_user", "stats_profile_history", ["user_id", "seen_at"])
    op.create_table(
        "stats_membership_changes",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("joins", sa.Integer(), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
    )
    op.create_table(
        "stats_chat_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("active_users", sa.Integer(), nullable=False),
    )
    op.create_table(
        "stats_departments",
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
    )
    op.create_table(
        "stats_degrees",
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("department_slug", sa.String(64)),
    )
    op.create_table(
        "stats_chat_degrees",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("degree_slug", sa.String(64), primary_key=True),
    )
    op.create_table(
        "stats_chat_departments",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("department_slug", sa.String(64), primary_key=True),
    )
    op.create_table(
        "stats_catalog_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("published_at", TZ, nullable=False),
    )
    op.create_table(
        "stats_tracked_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("monitored", sa.Boolean(), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("checked_at", TZ),
        sa.Column("last_error", sa.String(256)),
    )
    op.create_table(
        "stats_tracked_profile_history",
        sa.Column("id", AUTO_ID, primary_key=True),
        sa.Column(
            "profile_id", sa.Integer(), sa.ForeignKey("stats_tracked_profiles.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("bio", sa.String(512), nullable=False),
    )
    op.create_index(
        "stats_tracked_profile_history_profile", "stats_tracked_profile_history", ["profile_id", "observed_at"]
    )
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW {name}")
    for table in (
        "stats_tracked_profile_history",
        "stats_tracked_profiles",
        "stats_catalog_snapshot",
        "stats_chat_departments",
        "stats_chat_degrees",
        "stats_degrees",
        "stats_departments",
        "stats_chat_days",
        "stats_membership_changes",
        "stats_profile_history",
        "stats_chat_bots",
    ):
        op.drop_table(table)
    with op.batch_alter_table("stats_chats") as chats:
        for column in (
            "sync_error",
            "synced_at",
            "migrated_to",
            "member_count",
            "photo_unique_id",
            "photo_file_id",
            "invite_link",
            "description",
        ):
            chats.drop_column(column)
