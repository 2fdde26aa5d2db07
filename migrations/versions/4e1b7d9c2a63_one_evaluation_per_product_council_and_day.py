"""one evaluation per product, council and day: a form sent twice had saved a certificate twice;
such exact copies are removed first (the product's certification pointed at the first one)

Revision ID: 4e1b7d9c2a63
Revises: b3e8d1f47a20
Create Date: 2026-12-08 02:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '4e1b7d9c2a63'
down_revision = 'b3e8d1f47a20'
branch_labels = None
depends_on = None

# Two evaluations alike in everything but their id: the second came from the same form sent again.
# Any other pair on the same key is left for staff to correct, and the index then refuses to build.
SAME_AS_FIRST = (
    'kept.product_id = extra.product_id AND kept.issued_on = extra.issued_on'
    ' AND kept.council_level = extra.council_level AND kept.score = extra.score'
    ' AND kept.decision_no = extra.decision_no'
    " AND COALESCE(kept.certificate_no, '') = COALESCE(extra.certificate_no, '')"
    ' AND kept.id < extra.id'
)


def upgrade():
    op.execute(sa.text(
        'UPDATE product SET certification_id = ('
        f' SELECT MIN(kept.id) FROM evaluation kept JOIN evaluation extra ON {SAME_AS_FIRST}'
        ' WHERE extra.id = product.certification_id)'
        ' WHERE certification_id IN ('
        f' SELECT extra.id FROM evaluation kept JOIN evaluation extra ON {SAME_AS_FIRST})'
    ))
    op.execute(sa.text(
        f'DELETE FROM evaluation WHERE id IN (SELECT extra.id FROM evaluation kept JOIN evaluation extra ON {SAME_AS_FIRST})'
    ))
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index('uq_evaluation_product_day_council', ['product_id', 'issued_on', 'council_level'],
                              unique=True)


def downgrade():
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index('uq_evaluation_product_day_council')
