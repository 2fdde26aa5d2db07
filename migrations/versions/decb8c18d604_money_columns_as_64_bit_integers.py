"""money columns as 64-bit integers

A year's revenue or a bulk order passes 2^31 đồng (2.1 billion ₫), the limit of a 32-bit
INTEGER on PostgreSQL. SQLite stores every integer in 64 bits already; batch mode recreates
its tables only so the declared type matches the models.

Revision ID: decb8c18d604
Revises: 99d84b9b8611
Create Date: 2026-11-30 11:59:17.001247

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'decb8c18d604'
down_revision = '99d84b9b8611'
branch_labels = None
depends_on = None

MONEY_COLUMNS = {
    "baseline": ("revenue", "profit"),
    "declared_revenue": ("revenue", "profit"),
    "order": ("subtotal", "shipping_fee", "total", "refunded_amount"),
    "pos_sale": ("total", "cash_received"),
    "sale_line": ("amount", "cost_amount"),
}
NULLABLE = {("pos_sale", "cash_received")}


def change_types(old, new):
    for table, columns in MONEY_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=old(), type_=new(),
                                      existing_nullable=(table, column) in NULLABLE)


def upgrade():
    change_types(sa.INTEGER, sa.BigInteger)


def downgrade():
    change_types(sa.BigInteger, sa.INTEGER)
