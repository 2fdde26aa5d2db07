"""search_change.created_at, so `flask search prune` deletes the rows older than the retention

Revision ID: 3f6b2a9c1d47
Revises: a3c7e5b19d42
Create Date: 2026-12-06 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6b2a9c1d47'
down_revision = 'a3c7e5b19d42'
branch_labels = None
depends_on = None


def upgrade():
    # Rows already there count from the upgrade: they are pruned a retention period later.
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.drop_column('created_at')
