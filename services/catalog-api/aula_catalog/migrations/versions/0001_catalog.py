"""The catalog's schema: university, Telegram groups, featured groups, revision counter, staff logins.

Revision ID: catalog_0001
Revises:
Create Date: 2026-11-21 21:54:59.301710
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision = 'catalog_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('icon', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_departments')),
    sa.UniqueConstraint('name', name=op.f('uq_catalog_departments_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_catalog_departments_slug'))
    )
    op.create_table('catalog_professors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=64), nullable=False),
    sa.Column('last_name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=256), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_professors')),
    sa.UniqueConstraint('first_name', 'last_name', name='uq_catalog_professors_name')
    )
    revision_table = op.create_table('catalog_revision',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_revision'))
    )
    op.create_table('catalog_staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_catalog_staff_users_username'))
    )
    op.create_table('catalog_telegram_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('title', sa.String(length=512), nullable=True),
    sa.Column('invite_link', sa.String(length=256), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('photo', sa.String(length=512), nullable=True),
    sa.Column('member_count', sa.Integer(), nullable=True),
    sa.Column('facts_observed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_telegram_groups')),
    sa.UniqueConstraint('chat_id', name=op.f('uq_catalog_telegram_groups_chat_id'))
    )
    with op.batch_alter_table('catalog_telegram_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_telegram_groups_invite_link'), ['invite_link'], unique=False)

    op.create_table('catalog_telegram_users',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('first_name', sa.String(length=256), nullable=False),
    sa.Column('last_name', sa.String(length=256), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_telegram_users'))
    )
    op.create_table('catalog_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('cfu', sa.SmallInteger(), nullable=False),
    sa.Column('slug_unimi', sa.String(length=200), nullable=True),
    sa.Column('wiki_link', sa.String(length=256), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('professor_id', sa.Integer(), nullable=True),
    sa.Column('search_name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['catalog_telegram_groups.id'], name=op.f('fk_catalog_courses_group_id_catalog_telegram_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['professor_id'], ['catalog_professors.id'], name=op.f('fk_catalog_courses_professor_id_catalog_professors'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_courses')),
    sa.UniqueConstraint('slug_unimi', name=op.f('uq_catalog_courses_slug_unimi'))
    )
    with op.batch_alter_table('catalog_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_courses_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_courses_professor_id'), ['professor_id'], unique=False)

    op.create_table('catalog_degrees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('type', sa.String(length=1), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('icon', sa.String(length=64), nullable=True),
    sa.Column('search_name', sa.String(length=128), nullable=False),
    sa.CheckConstraint("type IN ('B', 'M', 'C')", name=op.f('ck_catalog_degrees_type')),
    sa.ForeignKeyConstraint(['department_id'], ['catalog_departments.id'], name=op.f('fk_catalog_degrees_department_id_catalog_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['catalog_telegram_groups.id'], name=op.f('fk_catalog_degrees_group_id_catalog_telegram_groups'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_degrees')),
    sa.UniqueConstraint('name', 'type', name='uq_catalog_degrees_name_type'),
    sa.UniqueConstraint('slug', name=op.f('uq_catalog_degrees_slug'))
    )
    with op.batch_alter_table('catalog_degrees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_degrees_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_degrees_group_id'), ['group_id'], unique=False)

    op.create_table('catalog_featured_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=2), nullable=False),
    sa.Column('name_it', sa.String(length=150), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=True),
    sa.Column('description_it', sa.String(length=512), nullable=True),
    sa.Column('description_en', sa.String(length=512), nullable=True),
    sa.Column('image_url', sa.String(length=512), nullable=True),
    sa.Column('external_url', sa.String(length=512), nullable=True),
    sa.Column('button_name_it', sa.String(length=32), nullable=True),
    sa.Column('button_name_en', sa.String(length=32), nullable=True),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.CheckConstraint("category IN ('u', 'a', 's')", name=op.f('ck_catalog_featured_groups_category')),
    sa.ForeignKeyConstraint(['group_id'], ['catalog_telegram_groups.id'], name=op.f('fk_catalog_featured_groups_group_id_catalog_telegram_groups'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_featured_groups')),
    sa.UniqueConstraint('category', 'name_it', name='uq_catalog_featured_groups_category_name')
    )
    with op.batch_alter_table('catalog_featured_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_featured_groups_group_id'), ['group_id'], unique=False)

    op.create_table('catalog_group_admins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('all_degrees', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['catalog_telegram_users.id'], name=op.f('fk_catalog_group_admins_user_id_catalog_telegram_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_group_admins')),
    sa.UniqueConstraint('user_id', name=op.f('uq_catalog_group_admins_user_id'))
    )
    op.create_table('catalog_representatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('degree_name', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['catalog_departments.id'], name=op.f('fk_catalog_representatives_department_id_catalog_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['catalog_telegram_users.id'], name=op.f('fk_catalog_representatives_user_id_catalog_telegram_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_representatives')),
    sa.UniqueConstraint('department_id', 'user_id', name='uq_catalog_representatives_department_user')
    )
    with op.batch_alter_table('catalog_representatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_representatives_user_id'), ['user_id'], unique=False)

    op.create_table('catalog_course_degrees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('degree_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('semester', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['catalog_courses.id'], name=op.f('fk_catalog_course_degrees_course_id_catalog_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['degree_id'], ['catalog_degrees.id'], name=op.f('fk_catalog_course_degrees_degree_id_catalog_degrees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_course_degrees')),
    sa.UniqueConstraint('degree_id', 'course_id', name='uq_catalog_course_degrees_degree_course')
    )
    with op.batch_alter_table('catalog_course_degrees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_course_degrees_course_id'), ['course_id'], unique=False)

    op.create_table('catalog_course_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=512), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['catalog_courses.id'], name=op.f('fk_catalog_course_links_course_id_catalog_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_course_links'))
    )
    with op.batch_alter_table('catalog_course_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_course_links_course_id'), ['course_id'], unique=False)

    op.create_table('catalog_degree_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('degree_id', sa.Integer(), nullable=False),
    sa.Column('name_it', sa.String(length=128), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=True),
    sa.Column('description_it', sa.String(length=512), nullable=True),
    sa.Column('description_en', sa.String(length=512), nullable=True),
    sa.Column('url', sa.String(length=512), nullable=False),
    sa.Column('icon', sa.String(length=64), nullable=True),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['degree_id'], ['catalog_degrees.id'], name=op.f('fk_catalog_degree_links_degree_id_catalog_degrees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_degree_links')),
    sa.UniqueConstraint('degree_id', 'name_it', name='uq_catalog_degree_links_degree_name')
    )
    op.create_table('catalog_group_admin_degrees',
    sa.Column('group_admin_id', sa.Integer(), nullable=False),
    sa.Column('degree_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['degree_id'], ['catalog_degrees.id'], name=op.f('fk_catalog_group_admin_degrees_degree_id_catalog_degrees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_admin_id'], ['catalog_group_admins.id'], name=op.f('fk_catalog_group_admin_degrees_group_admin_id_catalog_group_admins'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_admin_id', 'degree_id', name=op.f('pk_catalog_group_admin_degrees'))
    )
    with op.batch_alter_table('catalog_group_admin_degrees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_group_admin_degrees_degree_id'), ['degree_id'], unique=False)

    # The single row every write bumps (see models.bump_revision).
    op.bulk_insert(revision_table, [{"id": 1, "revision": 1, "changed_at": datetime.now(UTC)}])


def downgrade() -> None:
    with op.batch_alter_table('catalog_group_admin_degrees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_group_admin_degrees_degree_id'))

    op.drop_table('catalog_group_admin_degrees')
    op.drop_table('catalog_degree_links')
    with op.batch_alter_table('catalog_course_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_course_links_course_id'))

    op.drop_table('catalog_course_links')
    with op.batch_alter_table('catalog_course_degrees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_course_degrees_course_id'))

    op.drop_table('catalog_course_degrees')
    with op.batch_alter_table('catalog_representatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_representatives_user_id'))

    op.drop_table('catalog_representatives')
    op.drop_table('catalog_group_admins')
    with op.batch_alter_table('catalog_featured_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_featured_groups_group_id'))

    op.drop_table('catalog_featured_groups')
    with op.batch_alter_table('catalog_degrees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_degrees_group_id'))
        batch_op.drop_index(batch_op.f('ix_catalog_degrees_department_id'))

    op.drop_table('catalog_degrees')
    with op.batch_alter_table('catalog_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_courses_professor_id'))
        batch_op.drop_index(batch_op.f('ix_catalog_courses_group_id'))

    op.drop_table('catalog_courses')
    op.drop_table('catalog_telegram_users')
    with op.batch_alter_table('catalog_telegram_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_telegram_groups_invite_link'))

    op.drop_table('catalog_telegram_groups')
    op.drop_table('catalog_staff_users')
    op.drop_table('catalog_revision')
    op.drop_table('catalog_professors')
    op.drop_table('catalog_departments')
