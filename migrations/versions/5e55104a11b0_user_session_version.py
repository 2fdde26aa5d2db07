"""user.session_version: raised to end every session of an account (logout, new password, role
change, disabling). Existing sessions, which do not carry it, end once at the upgrade.

Revision ID: 5e55104a11b0
Revises: e7d45337fc50
Create Date: 2026-12-06 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55104a11b0'
down_revision = 'e7d45337fc50'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
