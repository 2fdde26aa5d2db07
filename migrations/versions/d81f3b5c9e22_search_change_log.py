"""search_change: the search change log every index folder follows past its own cursor

Revision ID: d81f3b5c9e22
Revises: c4a1e9d27b10
Create Date: 2026-12-06 05:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd81f3b5c9e22'
down_revision = 'c4a1e9d27b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_change'))
    )


def downgrade():
    op.drop_table('search_change')
