"""producer contact person and active

Revision ID: c5382a073e1f
Revises: 7a0944980a03
Create Date: 2026-12-05 15:20:59.099849

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5382a073e1f'
down_revision = '7a0944980a03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('producer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_person', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('producer', schema=None) as batch_op:
        batch_op.drop_column('active')
        batch_op.drop_column('contact_person')

