"""sale line index covers the amounts

The growth report sums each product's lines over a period; with amount and cost_amount in the
index, SQLite answers from the index alone.

Revision ID: 64f2749c8050
Revises: decb8c18d604
Create Date: 2026-11-30 12:01:07.359022

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '64f2749c8050'
down_revision = 'decb8c18d604'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sale_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_line_product_sold_at'))
        batch_op.create_index('ix_sale_line_product_sold_at_amounts', ['product_id', 'sold_at', 'amount', 'cost_amount'], unique=False)



def downgrade():
    with op.batch_alter_table('sale_line', schema=None) as batch_op:
        batch_op.drop_index('ix_sale_line_product_sold_at_amounts')
        batch_op.create_index(batch_op.f('ix_sale_line_product_sold_at'), ['product_id', 'sold_at'], unique=False)

