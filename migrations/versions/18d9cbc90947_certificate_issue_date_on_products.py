"""certificate issue date on products, so SQL tells "public today" as Python does

Revision ID: 18d9cbc90947
Revises: 820f657b4515
Create Date: 2026-12-06 20:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '18d9cbc90947'
down_revision = '820f657b4515'
branch_labels = None
depends_on = None

LISTING_BEFORE = ['active', 'certified_until', 'certified_stars', 'group', 'province_id', 'district_id', 'price']
LISTING_AFTER = ['active', 'certified_until', 'certified_from', 'certified_stars', 'group', 'province_id',
                 'district_id', 'price']


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certified_from', sa.Date(), nullable=True))
        batch_op.drop_index('ix_product_listing')
        batch_op.create_index('ix_product_listing', LISTING_AFTER, unique=False)

    # Existing products take the issue date of the certificate they already point at.
    op.execute(
        "UPDATE product SET "
        "certified_from = (SELECT issued_on FROM evaluation WHERE evaluation.id = product.certification_id)"
    )


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_listing')
        batch_op.create_index('ix_product_listing', LISTING_BEFORE, unique=False)
        batch_op.drop_column('certified_from')
