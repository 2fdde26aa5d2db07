"""the monthly sums in an index of their own (PostgreSQL), read without the table

Revision ID: a3c7e5b19d42
Revises: 5b0c7e2a9f31
Create Date: 2026-12-06 22:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3c7e5b19d42'
down_revision = '5b0c7e2a9f31'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_index('ix_sale_month_sums', 'sale_month', ['product_id', 'month'],
                    postgresql_include=['revenue', 'profit'])


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_sale_month_sums', table_name='sale_month')
