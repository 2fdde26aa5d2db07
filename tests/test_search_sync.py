"""The search change log: every index folder applies the rows past its own cursor, so an update
that could not be written is applied later, and a second app server hears of every change."""
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from config import TestConfig
from storefront import create_app
from storefront.catalog.filters import ProductFilters
from storefront.catalog.services import update_product
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.search import index as search_index
from storefront.search.index import current_index, rebuild
from storefront.search.queries import search_products
from storefront.search.models import SearchChange
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


@pytest.mark.parametrize("procs", [1, 2])
def test_a_reindex_leaves_search_and_live_updates_to_the_old_index_until_it_swaps(app, procs):
    app.config["SEARCH_REINDEX_PROCS"] = procs  # 2: the index is written by forked processes
    garlic = make_product("Tỏi Lý Sơn")
    make_product("Hành tím Vĩnh Châu")
    during: list[list[str]] = []

    def meanwhile(_count: int) -> None:
        if not during:  # the garlic is read into the new index, the shallot not yet
            during.append(found("toi ly son"))
            update_product(garlic, name_vi="Tỏi cô đơn Lý Sơn")  # not waiting for the reindex
            during.append(found("co don"))

    assert rebuild(progress=meanwhile, batch_size=1) == 2
    assert during == [["Tỏi Lý Sơn"], ["Tỏi cô đơn Lý Sơn"]]  # answered by the live index
    # The new index read the garlic before its change: the log applied after the swap has it.
    assert found("co don") == ["Tỏi cô đơn Lý Sơn"]
    assert found("hanh tim") == ["Hành tím Vĩnh Châu"]


def age_change_log(days: int) -> None:
    db.session.execute(update(SearchChange).values(created_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def test_prune_deletes_the_rows_older_than_the_retention_and_search_follows_on(app):
    make_product("Rượu Ngô Cải Vân")
    age_change_log(8)
    make_product("Hạt điều Bình Phước")
    kept = db.session.scalars(select(SearchChange.id).where(SearchChange.created_at > utcnow() - timedelta(days=1))).all()
    result = app.test_cli_runner().invoke(args=["search", "prune"])
    assert result.exit_code == 0 and "Deleted 1 change-log rows older than 7 days." in result.output
    assert db.session.scalar(select(func.count(SearchChange.id))) == 1 + len(kept)  # and the mark
    assert not current_index().missed_changes()  # it had applied them all

    age_change_log(8)  # the whole log: its newest row stays, so SQLite never reuses its id
    app.test_cli_runner().invoke(args=["search", "prune"])
    make_product("Tỏi Lý Sơn")
    assert found("toi ly son") == ["Tỏi Lý Sơn"]
    assert app.test_cli_runner().invoke(args=["search", "sync"]).output == "Applied 0 changes.\n"


def test_an_index_that_missed_pruned_changes_is_rebuilt_by_the_next_sync(app, monkeypatch):
    monkeypatch.setattr(search_index, "write_products", lambda *_args, **_kwargs: 1 / 0)
    make_product("Rượu Ngô Cải Vân")  # as on a server that was away: not applied here
    monkeypatch.undo()
    age_change_log(8)
    app.test_cli_runner().invoke(args=["search", "prune", "--days", "7"])
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "missed changes pruned from the change log" in result.output and "Indexed 1 products" in result.output
    assert found("ruou ngo") == ["Rượu Ngô Cải Vân"]
    assert not current_index().missed_changes()  # the new index is whole



def test_a_reindex_short_of_products_keeps_the_live_index(app, monkeypatch):
    make_product("Tỏi Lý Sơn")
    make_product("Hành tím Vĩnh Châu")
    live = current_index().name
    writer_for = search_index.new_index_writer

    def losing_the_shallot(index, procs):  # as when a writer process dies
        writer = writer_for(index, procs)
        add = writer.add_document
        writer.add_document = lambda **document: None if document["name"].startswith("Hành") else add(**document)
        return writer

    monkeypatch.setattr(search_index, "new_index_writer", losing_the_shallot)
    with pytest.raises(RuntimeError, match="1 of 2 products"):
        rebuild()
    assert current_index().name == live
    assert found("hanh tim") == ["Hành tím Vĩnh Châu"]
    assert all(name.startswith((live, f"_{live}_", "CURRENT")) for name in os.listdir(current_index().dirname))
