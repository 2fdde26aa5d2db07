"""outlet_earlier_opening: the periods an outlet was open before it closed and was reopened, so
that reopening no longer moves its history; filled from the audit log's reopenings

Revision ID: b3e8d1f47a20
Revises: 9d4a6c2e8f15
Create Date: 2026-12-08 02:20:00

"""
import json
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3e8d1f47a20'
down_revision = '9d4a6c2e8f15'
branch_labels = None
depends_on = None

VIETNAM = timedelta(hours=7)


def upgrade():
    op.create_table(
        'outlet_earlier_opening',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outlet_id', sa.Integer(), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['outlet_id'], ['outlet.id'], name=op.f('fk_outlet_earlier_opening_outlet_id_outlet')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outlet_earlier_opening')),
    )
    with op.batch_alter_table('outlet_earlier_opening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outlet_earlier_opening_outlet_id'), ['outlet_id'], unique=False)

    # Each reopening in the audit log ended a period: opened on the day its change of opened_on
    # started from, closed on the (Vietnamese) day of the closing before it.
    connection = op.get_bind()
    entries = connection.execute(sa.text(
        "SELECT record_id, action, created_at, changes FROM audit_entry"
        " WHERE record_type = 'outlet' AND action IN ('close', 'reopen') ORDER BY id"
    )).all()
    closed_on = {}
    periods = []
    for outlet_id, action, created_at, changes in entries:
        if isinstance(created_at, str):  # SQLite's text
            created_at = datetime.fromisoformat(created_at)
        if action == 'close':
            closed_on[outlet_id] = (created_at + VIETNAM).date()
        elif outlet_id in closed_on:
            changes = json.loads(changes) if isinstance(changes, str) else changes
            before = (changes.get('opened_on') or [None])[0]
            periods.append({'outlet_id': outlet_id, 'opened_on': date.fromisoformat(before) if before else None,
                            'closed_on': closed_on.pop(outlet_id)})
    if periods:
        op.bulk_insert(sa.table('outlet_earlier_opening', sa.column('outlet_id', sa.Integer),
                                sa.column('opened_on', sa.Date), sa.column('closed_on', sa.Date)), periods)


def downgrade():
    with op.batch_alter_table('outlet_earlier_opening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outlet_earlier_opening_outlet_id'))
    op.drop_table('outlet_earlier_opening')
