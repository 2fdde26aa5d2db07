"""product photos, producers' folded names, evaluations by issue date

Revision ID: 14c40d109166
Revises: c5382a073e1f
Create Date: 2026-12-05 16:05:03.907075

"""
from alembic import op
import sqlalchemy as sa

from storefront.catalog.models import slugify


# revision identifiers, used by Alembic.
revision = '14c40d109166'
down_revision = 'c5382a073e1f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_photo_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_photo')),
    sa.UniqueConstraint('product_id', 'digest', name=op.f('uq_product_photo_product_id'))
    )
    with op.batch_alter_table('product_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_photo_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_issued', ['issued_on', 'id'], unique=False)

    with op.batch_alter_table('producer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_folded', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_producer_name_folded'), ['name_folded'], unique=False)
    producer = sa.table('producer', sa.column('id', sa.Integer), sa.column('name', sa.String),
                        sa.column('name_folded', sa.String))
    connection = op.get_bind()
    folded = [{'producer_id': id_, 'folded': slugify(name)}
              for id_, name in connection.execute(sa.select(producer.c.id, producer.c.name))]
    if folded:
        connection.execute(
            producer.update().where(producer.c.id == sa.bindparam('producer_id'))
            .values(name_folded=sa.bindparam('folded')),
            folded,
        )

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('image_path')



def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_path', sa.VARCHAR(length=255), nullable=True))

    with op.batch_alter_table('producer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_producer_name_folded'))
        batch_op.drop_column('name_folded')

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_issued')

    with op.batch_alter_table('product_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_photo_product_id'))

    op.drop_table('product_photo')
