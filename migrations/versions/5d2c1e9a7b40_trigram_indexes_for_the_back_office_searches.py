"""trigram indexes (PostgreSQL) for the back-office lists' searches

Revision ID: 5d2c1e9a7b40
Revises: 7280b4f4a7d1
Create Date: 2026-12-06 01:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2c1e9a7b40'
down_revision = '7280b4f4a7d1'
branch_labels = None
depends_on = None

# (index, table, column): LIKE '%text%' on these reads the index. SQLite gets none (it scans).
INDEXES = (
    ("ix_producer_name_folded_trgm", "producer", "name_folded"),
    ("ix_producer_registration_no_trgm", "producer", "registration_no"),
    ("ix_product_slug_trgm", "product", "slug"),
    ("ix_product_code_trgm", "product", "code"),
    ("ix_evaluation_certificate_no_trgm", "evaluation", "certificate_no"),
    ("ix_evaluation_decision_no_trgm", "evaluation", "decision_no"),
    ("ix_user_search_text_trgm", "user", "search_text"),
    ("ix_outlet_search_text_trgm", "outlet", "search_text"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)
