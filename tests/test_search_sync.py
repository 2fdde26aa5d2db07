"""The search change log: every index folder applies the rows past its own cursor, so an update
that could not be written is applied later, and a second app server hears of every change."""
import pytest

from config import TestConfig
from storefront import create_app
from storefront.catalog.filters import ProductFilters
from storefront.catalog.services import update_product
from storefront.extensions import db
from storefront.search import index as search_index
from storefront.search.index import current_index, rebuild, search_products
from tests.conftest import require
from tests.factories import make_product

# What is tested here is the index following commits, as in production.
pytestmark = pytest.mark.usefixtures("search_follows_commits")


def found(q: str) -> list[str]:
    return [p.name_vi for p in search_products(ProductFilters(q=q), per_page=10).products]


def test_an_update_that_could_not_be_written_is_applied_by_the_next_sync(app, monkeypatch):
    def locked(*_args, **_kwargs):
        raise search_index.LockError("another process holds the lock")

    monkeypatch.setattr(search_index, "write_products", locked)
    make_product("Rượu Ngô Cải Vân")
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "Applied 2 changes." in result.output  # its two commits
    assert found("ruou ngo") == ["Rượu Ngô Cải Vân"]  # not lost


def test_the_next_search_applies_what_could_not_be_written(app, monkeypatch):
    monkeypatch.setattr(search_index, "write_products", lambda *_args, **_kwargs: 1 / 0)
    make_product("Rượu Ngô Cải Vân")
    monkeypatch.undo()
    assert found("ruou ngo") == ["Rượu Ngô Cải Vân"]


def test_reindex_builds_beside_the_live_index_and_swaps_it_in(app):
    product = make_product("Tỏi Lý Sơn")
    live = current_index().name
    assert rebuild() == 1
    assert current_index().name != live
    assert found("toi ly son") == ["Tỏi Lý Sơn"]
    update_product(product, name_vi="Tỏi cô đơn Lý Sơn")  # live updates go to the new index
    assert found("co don") == ["Tỏi cô đơn Lý Sơn"]


@pytest.mark.postgres
def test_two_app_servers_with_their_own_index_folders_converge(app, tmp_path):
    require(db.engine.dialect.name == "postgresql", "TEST_DATABASE_URL names no PostgreSQL database")

    class SecondServer(TestConfig):
        SEARCH_INDEX_DIR = str(tmp_path / "second-server-index")

    second = create_app(SecondServer)
    second_client = second.test_client()
    assert second_client.get("/api/v1/search?q=ruou+ngo").json["total"] == 0

    product = make_product("Rượu Ngô Cải Vân")  # written on the first server
    assert found("ruou ngo") == ["Rượu Ngô Cải Vân"]
    # The catalogue version moved: the second server's next search applies the log first.
    assert [i["name"] for i in second_client.get("/api/v1/search?q=ruou+ngo").json["items"]] == ["Rượu Ngô Cải Vân"]

    update_product(product, name_vi="Rượu Ngô Đồng Văn")
    second.extensions["search"].synced_version = None  # as if it had not searched since
    with second.app_context():
        result = second.test_cli_runner().invoke(args=["search", "sync"])
    assert "Applied 1 changes." in result.output
    assert [i["name"] for i in second_client.get("/api/v1/search?q=dong+van").json["items"]] == ["Rượu Ngô Đồng Văn"]
    with second.app_context():
        db.engine.dispose()
