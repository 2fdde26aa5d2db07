"""Finding rows by a list of values however long it is: an import may name every product."""
from collections.abc import Collection, Iterator

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from storefront.extensions import db

# A query may bind at most 32,766 values on SQLite and 65,535 on PostgreSQL.
IN_BATCH = 1_000


def scalars_where_in(statement: Select, column: InstrumentedAttribute, values: Collection) -> Iterator:
    """What the statement finds where the column is one of the values, a batch of them per query."""
    values = list(values)
    for start in range(0, len(values), IN_BATCH):
        yield from db.session.scalars(statement.where(column.in_(values[start:start + IN_BATCH])))
