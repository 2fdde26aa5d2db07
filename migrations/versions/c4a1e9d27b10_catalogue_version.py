"""catalogue_version: one row raised by every catalogue change, for caches keyed by it

Revision ID: c4a1e9d27b10
Revises: b15a0d2c7e41
Create Date: 2026-12-06 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a1e9d27b10'
down_revision = 'b15a0d2c7e41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('catalogue_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_version'))
    )
    op.execute("INSERT INTO catalogue_version (id, version) VALUES (1, 1)")


def downgrade():
    op.drop_table('catalogue_version')
