"""order.paid_in_person_by: how an order paid at handover was paid (cash, card, transfer), for
the till's end-of-day report; filled from the order's history for orders paid before

Revision ID: 9d4a6c2e8f15
Revises: 7c2e4f9a1b68
Create Date: 2026-12-08 02:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d4a6c2e8f15'
down_revision = '7c2e4f9a1b68'
branch_labels = None
depends_on = None

KINDS = ('cash', 'card', 'transfer')


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_in_person_by', sa.String(length=10), nullable=True))
        batch_op.create_index('ix_order_outlet_paid_at', ['outlet_id', 'paid_at'], unique=False)
    # Until now the kind was only in the note of the handover's event: "paid at pickup: cash".
    for kind in KINDS:
        op.execute(sa.text(
            'UPDATE "order" SET paid_in_person_by = :kind WHERE id IN ('
            ' SELECT order_id FROM order_event WHERE note IN (:at_pickup, :at_delivery))'
        ).bindparams(kind=kind, at_pickup=f'paid at pickup: {kind}', at_delivery=f'paid at delivery: {kind}'))


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_outlet_paid_at')
        batch_op.drop_column('paid_in_person_by')
