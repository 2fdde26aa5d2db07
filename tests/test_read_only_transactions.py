"""On PostgreSQL a transaction that only read ends with COMMIT, so psycopg keeps the statements it
prepared and PostgreSQL stops planning them at every request (storefront.transactions); one that
wrote, or failed, still rolls back."""
import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from storefront.catalog.models import Area
from storefront.extensions import db
from storefront.transactions import mark_written
from tests.conftest import require

PREPARE_THRESHOLD = 5  # psycopg's: a statement run this many times on a connection is prepared


@pytest.fixture
def engine(app):
    """One connection, as a worker's pool hands out between requests."""
    require(db.engine.dialect.name == "postgresql", "needs PostgreSQL (TEST_DATABASE_URL)")
    engine = create_engine(db.engine.url, poolclass=StaticPool)
    yield engine
    engine.dispose()


def prepared_statements(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT statement FROM pg_prepared_statements")))


def areas_named(engine, name: str) -> int:
    with Session(engine) as session:
        return len(session.scalars(select(Area).where(Area.name == name)).all())


def test_a_statement_read_at_every_request_gets_prepared(engine):
    for _ in range(PREPARE_THRESHOLD + 1):
        with Session(engine) as session:  # a request: the session reads, then closes
            session.scalars(select(Area).where(Area.level == "province")).all()
    assert any("FROM area" in statement for statement in prepared_statements(engine))


def test_a_write_left_uncommitted_is_rolled_back(engine):
    with Session(engine) as session:
        session.scalars(select(Area)).all()
        session.add(Area(code="VN-99", name="Tỉnh thử", level="province"))
        session.flush()
    with engine.connect() as connection:  # written as plain SQL, in lower case
        connection.execute(text("insert into area (code, name, level) values ('VN-98', 'Tỉnh thử', 'province')"))
    assert areas_named(engine, "Tỉnh thử") == 0


def test_a_copy_left_uncommitted_is_rolled_back(engine):
    """COPY goes through the driver's own cursor, which SQLAlchemy does not see."""
    with engine.connect() as connection:
        connection.scalars(select(Area)).all()
        mark_written(connection)
        with connection.connection.driver_connection.cursor().copy("COPY area (code, name, level) FROM STDIN") as copy:
            copy.write_row(["VN-96", "Tỉnh thử", "province"])
    assert areas_named(engine, "Tỉnh thử") == 0


def test_a_failed_read_rolls_back_and_the_connection_serves_on(engine):
    with pytest.raises(ProgrammingError), Session(engine) as session:
        session.execute(text("SELECT no_such_column FROM area"))
    assert areas_named(engine, "Tỉnh thử") == 0


def test_rows_locked_for_update_are_free_once_the_reading_transaction_ends(app, engine):
    with Session(engine) as session:
        session.add(Area(code="VN-97", name="Tỉnh khoá", level="province"))
        session.commit()
    with Session(engine) as session:
        session.scalars(select(Area).where(Area.code == "VN-97").with_for_update()).all()
    with Session(db.engine) as other, other.begin():
        other.scalars(select(Area).where(Area.code == "VN-97").with_for_update(nowait=True)).all()


def test_a_connection_dropped_by_its_owner_is_left_to_the_pool(engine):
    with engine.connect() as connection:
        connection.scalar(text("SELECT 1"))
        connection.invalidate()
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT 2")) == 2


def test_a_reading_transaction_whose_server_process_died_fails_as_ever_and_the_next_one_serves(engine):
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.scalar(text("SELECT 1"))
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
        with psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True) as administrator:
            administrator.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT 2")) == 2
