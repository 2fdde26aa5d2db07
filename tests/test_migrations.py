"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestConfig, database_url
from storefront import create_app
from storefront.extensions import db, on_this_database
from tests.conftest import require, reset_database


def migrated_app(url: str):
    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(MigrationConfig)


def assert_migrations_match_models(app) -> None:
    with app.app_context():
        reset_database()
        db.drop_all()
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": on_this_database(connection.dialect.name)})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = db.inspect(connection).get_table_names()
        assert set(tables) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_on_sqlite(tmp_path):
    assert_migrations_match_models(migrated_app(f"sqlite:///{tmp_path / 'migrated.db'}"))


@pytest.mark.postgres
def test_migrations_on_postgresql():
    url = os.environ.get("TEST_DATABASE_URL", "")
    require(url.startswith("postgres"), "TEST_DATABASE_URL does not point at PostgreSQL")
    assert_migrations_match_models(migrated_app(database_url(url)))
