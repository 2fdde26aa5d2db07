"""Extension objects only; create_app binds them to the app."""
from typing import Annotated

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DDL, BigInteger, Index, MetaData, event
from sqlalchemy.orm import DeclarativeBase, mapped_column

# An amount of đồng. Totals pass 2^31 (2.1 billion ₫) easily: a year's revenue, a bulk order of
# ginseng, so they are 64-bit on PostgreSQL (SQLite's integers are 64-bit anyway).
Money = Annotated[int, mapped_column(BigInteger)]


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
# The trigram indexes' operators (trigram_index); create_all (the tests) needs it too.
event.listen(db.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def trigram_index(name: str, column) -> Index:
    """On PostgreSQL, a GIN trigram index (pg_trgm): the back-office lists' `LIKE '%text%'`
    searches read it instead of every row. SQLite has no such index: there they scan the
    column, which bench/admin_lists.py measures."""
    return Index(name, column, postgresql_using="gin",
                 postgresql_ops={column.key: "gin_trgm_ops"}).ddl_if(dialect="postgresql")


def on_this_database(dialect: str):
    """For autogenerate (include_object): leave out what a database never gets, such as the
    trigram indexes on SQLite."""
    def include(obj, _name, _type, _reflected, _compare_to) -> bool:
        only_on = getattr(obj, "_ddl_if", None)
        return only_on is None or only_on.dialect in (None, dialect)
    return include
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
# Rendered catalogue pages and facet counts, keyed by the catalogue version.
cache = Cache()
