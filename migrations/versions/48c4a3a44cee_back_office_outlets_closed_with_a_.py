"""back office: outlets closed with a reason, folded search text for outlets and people

Revision ID: 48c4a3a44cee
Revises: 14c40d109166
Create Date: 2026-12-05 16:08:49.735783

"""
from alembic import op
import sqlalchemy as sa

from storefront.search.analysis import folded


# revision identifiers, used by Alembic.
revision = '48c4a3a44cee'
down_revision = '14c40d109166'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outlet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_reason', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.String(length=500), server_default='', nullable=False))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=250), server_default='', nullable=False))

    # The rows already there get the folded text the models write from now on.
    connection = op.get_bind()
    outlet = sa.table('outlet', sa.column('id'), sa.column('code'), sa.column('name'), sa.column('address'),
                      sa.column('search_text'))
    for id_, code, name, address in connection.execute(sa.select(outlet.c.id, outlet.c.code, outlet.c.name,
                                                                 outlet.c.address)).all():
        connection.execute(outlet.update().where(outlet.c.id == id_)
                           .values(search_text=folded(f"{code} {name} {address}")))
    user = sa.table('user', sa.column('id'), sa.column('name'), sa.column('email'), sa.column('search_text'))
    for id_, name, email in connection.execute(sa.select(user.c.id, user.c.name, user.c.email)).all():
        connection.execute(user.update().where(user.c.id == id_).values(search_text=folded(f"{name} {email}")))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('search_text')

    with op.batch_alter_table('outlet', schema=None) as batch_op:
        batch_op.drop_column('search_text')
        batch_op.drop_column('closed_reason')
        batch_op.drop_column('closed_at')
