"""sales ledger summed by product and month (sale_month), kept by triggers on sale_line

The growth report's last 12 months read whole months from it and only the partial months at
either edge from the ledger. Filled here from the lines already in the ledger.

Revision ID: 3f8a2d61c9e4
Revises: d81f3b5c9e22
Create Date: 2026-12-06 05:20:00

"""
from alembic import op
import sqlalchemy as sa

from storefront.sales.models import SALE_MONTH_BACKFILL, SALE_MONTH_TRIGGERS


# revision identifiers, used by Alembic.
revision = '3f8a2d61c9e4'
down_revision = 'd81f3b5c9e22'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sale_month',
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('revenue', sa.BigInteger(), nullable=False),
    sa.Column('profit', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('product_id', 'month', name=op.f('pk_sale_month')),
    sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    op.execute(SALE_MONTH_BACKFILL[dialect])
    for statement in SALE_MONTH_TRIGGERS[dialect]:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS sale_line_sale_month ON sale_line')
        op.execute('DROP FUNCTION IF EXISTS sale_month_follows_ledger()')
    else:
        for name in ('sale_line_into_sale_month', 'sale_line_out_of_sale_month', 'sale_line_moves_in_sale_month'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.drop_table('sale_month')
