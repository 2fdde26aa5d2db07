"""product: one index per listing order, and the listing's own, each holding every listing
column, so that deep pages step over index entries, not rows

Revision ID: 7c2e4f9a1b68
Revises: 3f6b2a9c1d47
Create Date: 2026-12-08 00:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c2e4f9a1b68'
down_revision = '3f6b2a9c1d47'
branch_labels = None
depends_on = None

LISTING_COLUMNS = ('active', 'certified_stars', 'certified_from', 'certified_until', 'group', 'province_id',
                   'district_id', 'price', 'created_at')
LISTING_FILTERS = ['active', 'certified_until', 'certified_from', 'certified_stars', 'group', 'province_id',
                   'district_id', 'price']


def listing_order(*order):
    return [*order, 'id', *(column for column in LISTING_COLUMNS if column not in order)]


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_listing')
        batch_op.drop_index('ix_product_featured')
        batch_op.drop_index('ix_product_price')
        batch_op.drop_index('ix_product_created_at')
        batch_op.create_index('ix_product_listing', [*LISTING_FILTERS, 'created_at'], unique=False)
        batch_op.create_index('ix_product_featured', listing_order('certified_stars', 'created_at'), unique=False)
        batch_op.create_index('ix_product_price', listing_order('price'), unique=False)
        batch_op.create_index('ix_product_newest', listing_order('created_at'), unique=False)
    op.execute('ANALYZE product')  # so that the planner weighs the new indexes at once


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_newest')
        batch_op.drop_index('ix_product_price')
        batch_op.drop_index('ix_product_featured')
        batch_op.drop_index('ix_product_listing')
        batch_op.create_index('ix_product_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_product_price', ['price'], unique=False)
        batch_op.create_index('ix_product_featured', ['certified_stars', 'created_at'], unique=False)
        batch_op.create_index('ix_product_listing', LISTING_FILTERS, unique=False)
