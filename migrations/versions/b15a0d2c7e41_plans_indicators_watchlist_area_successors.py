"""plans with indicator targets (the growth targets become plans), scheduled re-evaluations,
areas replaced by their successors, sales points' opening and closing days

Each plan_target row (a growth target of one year, for a province or every province) becomes a
one-year plan of that area with a growth indicator of the same value.

Revision ID: b15a0d2c7e41
Revises: 5e55104a11b0
Create Date: 2026-12-06 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b15a0d2c7e41'
down_revision = '5e55104a11b0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('todays_areas', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_plan_area_id_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_area_id'), ['area_id'], unique=False)

    op.create_table('plan_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=30), nullable=False),
    sa.Column('low_hundredths', sa.Integer(), nullable=False),
    sa.Column('high_hundredths', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_indicator_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_indicator')),
    sa.UniqueConstraint('plan_id', 'indicator', name=op.f('uq_plan_indicator_plan_id'))
    )
    with op.batch_alter_table('plan_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_indicator_plan_id'), ['plan_id'], unique=False)

    op.create_table('scheduled_reevaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=255), server_default='', nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_scheduled_reevaluation_product_id_product')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_scheduled_reevaluation_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_reevaluation')),
    sa.UniqueConstraint('product_id', name=op.f('uq_scheduled_reevaluation_product_id'))
    )

    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaced_from', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_area_replaced_by_id'), ['replaced_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_area_replaced_by_id_area'), 'area', ['replaced_by_id'], ['id'])

    with op.batch_alter_table('outlet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))

    connection = op.get_bind()
    # Closed outlets: the Vietnamese day of their closing moment (UTC+7, no daylight saving).
    if connection.dialect.name == 'postgresql':
        op.execute("UPDATE outlet SET closed_on = CAST(closed_at + interval '7 hours' AS DATE) WHERE closed_at IS NOT NULL")
    else:
        op.execute("UPDATE outlet SET closed_on = date(closed_at, '+7 hours') WHERE closed_at IS NOT NULL")

    target = sa.table('plan_target', sa.column('year'), sa.column('area_id'), sa.column('indicator'),
                      sa.column('hundredths'))
    area = sa.table('area', sa.column('id'), sa.column('name'))
    plan = sa.table('plan', sa.column('id'), sa.column('name'), sa.column('area_id'), sa.column('first_year'),
                    sa.column('last_year'), sa.column('note'), sa.column('todays_areas'), sa.column('updated_at'))
    indicator = sa.table('plan_indicator', sa.column('plan_id'), sa.column('indicator'), sa.column('low_hundredths'))
    rows = connection.execute(
        sa.select(target.c.year, target.c.area_id, target.c.indicator, target.c.hundredths, area.c.name)
        .select_from(target.outerjoin(area, area.c.id == target.c.area_id))
        .order_by(target.c.year, target.c.area_id)
    ).all()
    for year, area_id, code, hundredths, area_name in rows:
        name = f"Kế hoạch OCOP {area_name} năm {year}" if area_name else f"Kế hoạch OCOP toàn quốc năm {year}"
        plan_id = connection.execute(plan.insert().values(
            name=name, area_id=area_id, first_year=year, last_year=year, todays_areas=False,
            note="Chỉ tiêu tăng trưởng chuyển từ /admin/targets.", updated_at=sa.func.current_timestamp(),
        ).returning(plan.c.id)).scalar_one()
        connection.execute(indicator.insert().values(plan_id=plan_id, indicator=code, low_hundredths=hundredths))

    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.drop_index('uq_plan_target_national', sqlite_where=sa.text('area_id IS NULL'),
                            postgresql_where=sa.text('area_id IS NULL'))
    op.drop_table('plan_target')


def downgrade():
    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('indicator', sa.String(length=30), nullable=False),
    sa.Column('hundredths', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_plan_target_area_id_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target')),
    sa.UniqueConstraint('year', 'area_id', 'indicator', name=op.f('uq_plan_target_year'))
    )
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.create_index('uq_plan_target_national', ['year', 'indicator'], unique=True,
                              sqlite_where=sa.text('area_id IS NULL'), postgresql_where=sa.text('area_id IS NULL'))
    # Back to one growth target per year and area: each year of a plan with a growth target.
    connection = op.get_bind()
    plan = sa.table('plan', sa.column('id'), sa.column('area_id'), sa.column('first_year'), sa.column('last_year'))
    indicator = sa.table('plan_indicator', sa.column('plan_id'), sa.column('indicator'), sa.column('low_hundredths'))
    target = sa.table('plan_target', sa.column('year'), sa.column('area_id'), sa.column('indicator'),
                      sa.column('hundredths'))
    seen = set()
    for area_id, first, last, code, hundredths in connection.execute(
        sa.select(plan.c.area_id, plan.c.first_year, plan.c.last_year, indicator.c.indicator,
                  indicator.c.low_hundredths)
        .join(indicator, indicator.c.plan_id == plan.c.id).where(indicator.c.indicator == 'growth_ratio')
    ).all():
        for year in range(first, last + 1):
            if (year, area_id) not in seen:
                seen.add((year, area_id))
                connection.execute(target.insert().values(year=year, area_id=area_id, indicator=code,
                                                          hundredths=hundredths))

    with op.batch_alter_table('outlet', schema=None) as batch_op:
        batch_op.drop_column('closed_on')
        batch_op.drop_column('opened_on')

    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_area_replaced_by_id_area'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_area_replaced_by_id'))
        batch_op.drop_column('replaced_from')
        batch_op.drop_column('replaced_by_id')

    op.drop_table('scheduled_reevaluation')
    with op.batch_alter_table('plan_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_indicator_plan_id'))
    op.drop_table('plan_indicator')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_area_id'))
    op.drop_table('plan')
