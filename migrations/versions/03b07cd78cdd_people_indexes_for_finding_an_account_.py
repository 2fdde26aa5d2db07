"""people: emails in lower case (found through their unique index), an index to list by role

Revision ID: 03b07cd78cdd
Revises: 48c4a3a44cee
Create Date: 2026-12-05 16:43:05.498293

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '03b07cd78cdd'
down_revision = '48c4a3a44cee'
branch_labels = None
depends_on = None


def upgrade():
    # Accounts were already unique whatever the case (sign-up compared lower-cased emails), so
    # lower-casing cannot make two of them collide.
    op.execute(sa.text('UPDATE "user" SET email = lower(email) WHERE email != lower(email)'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index('ix_user_role_email', ['role', 'email'], unique=False)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index('ix_user_role_email')
