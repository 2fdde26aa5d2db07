"""sale lines link the line they reverse and count in its period; till returns; exact targets

- sale_line.reverses_id links a refund, return or void to the line it gives back, and
  sale_line.counts_at is the moment a line counts for in period figures: its own sold_at, or
  that of the line it reverses. Existing refunds are linked where the ledger says which sale
  they reverse: their source is the sale's source with "-refund" after it (online orders, the
  demo data). Others (synthetic data) stay unlinked and count on their own date.
- pos_sale gains kind (sale, return, void), the sale a return reverses, its reason and
  whether the goods were restocked.
- plan_target.value, a float, becomes plan_target.hundredths, a whole number (1.5 → 150).

Revision ID: 7280b4f4a7d1
Revises: 03b07cd78cdd
Create Date: 2026-12-05 16:08:04.992496

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7280b4f4a7d1'
down_revision = '03b07cd78cdd'
branch_labels = None
depends_on = None

REFUND_SUFFIX = "-refund"


def upgrade():
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hundredths', sa.Integer(), nullable=True))
    op.execute("UPDATE plan_target SET hundredths = CAST(ROUND(value * 100) AS INTEGER)")
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.alter_column('hundredths', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('value')

    with op.batch_alter_table('pos_sale', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='sale', nullable=False))
        batch_op.add_column(sa.Column('reverses_sale_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('restocked', sa.Boolean(), nullable=True))
        batch_op.create_index(batch_op.f('ix_pos_sale_reverses_sale_id'), ['reverses_sale_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_pos_sale_reverses_sale_id_pos_sale'), 'pos_sale', ['reverses_sale_id'], ['id'])

    with op.batch_alter_table('sale_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counts_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reverses_id', sa.Integer(), nullable=True))
    link_existing_refunds()
    with op.batch_alter_table('sale_line', schema=None) as batch_op:
        batch_op.alter_column('counts_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_sale_line_product_sold_at_amounts'))
        batch_op.create_index('ix_sale_line_product_counts_at_amounts', ['product_id', 'counts_at', 'amount', 'cost_amount'], unique=False)
        batch_op.create_index('ix_sale_line_reverses_id', ['reverses_id'], unique=False, sqlite_where=sa.text('reverses_id IS NOT NULL'), postgresql_where=sa.text('reverses_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_sale_line_reverses_id_sale_line'), 'sale_line', ['reverses_id'], ['id'])


def link_existing_refunds():
    """Every line counts on its own date, except refunds whose sale is known: those count on
    the sale's. A temporary index on the source keeps this one pass over the refunds."""
    op.execute("UPDATE sale_line SET counts_at = sold_at")
    op.create_index('ix_sale_line_source_product_tmp', 'sale_line', ['source', 'product_id'])
    op.execute(sa.text(
        "UPDATE sale_line SET reverses_id = ("
        " SELECT MIN(sale.id) FROM sale_line AS sale"
        " WHERE sale.source = substr(sale_line.source, 1, length(sale_line.source) - :suffix_length)"
        " AND sale.product_id = sale_line.product_id AND sale.amount > 0)"
        " WHERE sale_line.amount < 0 AND sale_line.source LIKE :pattern"
    ).bindparams(suffix_length=len(REFUND_SUFFIX), pattern=f"%{REFUND_SUFFIX}"))
    op.drop_index('ix_sale_line_source_product_tmp', 'sale_line')
    op.execute(
        "UPDATE sale_line SET counts_at = (SELECT sale.sold_at FROM sale_line AS sale WHERE sale.id = sale_line.reverses_id)"
        " WHERE reverses_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('sale_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sale_line_reverses_id_sale_line'), type_='foreignkey')
        batch_op.drop_index('ix_sale_line_reverses_id', sqlite_where=sa.text('reverses_id IS NOT NULL'), postgresql_where=sa.text('reverses_id IS NOT NULL'))
        batch_op.drop_index('ix_sale_line_product_counts_at_amounts')
        batch_op.create_index(batch_op.f('ix_sale_line_product_sold_at_amounts'), ['product_id', 'sold_at', 'amount', 'cost_amount'], unique=False)
        batch_op.drop_column('reverses_id')
        batch_op.drop_column('counts_at')

    with op.batch_alter_table('pos_sale', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pos_sale_reverses_sale_id_pos_sale'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pos_sale_reverses_sale_id'))
        batch_op.drop_column('restocked')
        batch_op.drop_column('reason')
        batch_op.drop_column('reverses_sale_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value', sa.Float(), nullable=True))
    op.execute("UPDATE plan_target SET value = hundredths / 100.0")
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.alter_column('value', existing_type=sa.Float(), nullable=False)
        batch_op.drop_column('hundredths')
