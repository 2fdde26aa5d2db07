"""one national growth target per year

The (year, area, indicator) constraint lets rows without an area repeat: NULLs differ in SQL.

Revision ID: 07a20f1be981
Revises: 64f2749c8050
Create Date: 2026-11-30 12:24:08.351215

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '07a20f1be981'
down_revision = '64f2749c8050'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.create_index('uq_plan_target_national', ['year', 'indicator'], unique=True, sqlite_where=sa.text('area_id IS NULL'), postgresql_where=sa.text('area_id IS NULL'))



def downgrade():
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.drop_index('uq_plan_target_national', sqlite_where=sa.text('area_id IS NULL'), postgresql_where=sa.text('area_id IS NULL'))

