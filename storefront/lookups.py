"""Finding rows by a list of values however long it is: an import may name every product."""
from collections.abc import Collection, Iterator

from sqlalchemy import Select, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute

from storefront.extensions import db

# A query may bind at most 32,766 values on SQLite and 65,535 on PostgreSQL.
IN_BATCH = 1_000


def where_in(statement: Select, column: InstrumentedAttribute, values: Collection) -> Iterator[Select]:
    """The statement narrowed to the values, as one or more statements."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        # One array parameter: no limit, and psycopg need not parse a statement with
        # thousands of placeholders (it caches only small ones).
        yield statement.where(column == any_(bindparam(None, values, type_=ARRAY(column.type))))
        return
    for start in range(0, len(values), IN_BATCH):
        yield statement.where(column.in_(values[start:start + IN_BATCH]))


def scalars_where_in(statement: Select, column: InstrumentedAttribute, values: Collection) -> Iterator:
    """What the statement finds where the column is one of the values."""
    for narrowed in where_in(statement, column, values):
        yield from db.session.scalars(narrowed)


def rows_where_in(statement: Select, column: InstrumentedAttribute, values: Collection) -> Iterator:
    """The statement's rows where the column is one of the values."""
    for narrowed in where_in(statement, column, values):
        yield from db.session.execute(narrowed)
