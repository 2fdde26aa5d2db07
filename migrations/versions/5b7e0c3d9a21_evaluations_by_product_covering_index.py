"""evaluations by product: an index that covers what the plan indicators read of them

Revision ID: 5b7e0c3d9a21
Revises: 18d9cbc90947
Create Date: 2026-12-06 22:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b7e0c3d9a21'
down_revision = '18d9cbc90947'
branch_labels = None
depends_on = None

COLUMNS = ['product_id', 'issued_on', 'id', 'stars', 'expires_on', 'revoked_at', 'score']


def upgrade():
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_product_history', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_product_history')
