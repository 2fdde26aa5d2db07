"""Product search: Vietnamese with or without marks, filters and facets, and an index that
follows commits, including commits from several processes at once."""
import subprocess
import sys
import textwrap
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, insert

from config import TestConfig
from storefront import create_app
from storefront.catalog.filters import ProductFilters
from storefront.catalog.listing import sql_listing
from storefront.catalog.models import Product
from storefront.catalog.services import record_evaluation, revoke_certification, update_product
from storefront.extensions import db
from storefront.search.index import current_index, document_for, index_products, new_index_writer, rebuild
from storefront.search.analysis import plain_words
from storefront.search.postings import read_column, read_lengths, read_postings
from storefront.search.queries import relevance_scores, search_products, suggest, words_query
from tests.factories import make_place, make_producer, make_product

PROJECT_DIR = Path(__file__).resolve().parent.parent

# What is tested here is the index following commits, as in production.
pytestmark = pytest.mark.usefixtures("search_follows_commits")


def search(q: str = "", per_page: int = 24, **filters):
    return search_products(ProductFilters(q=q, **filters), per_page=per_page)


def names(listing) -> list[str]:
    return [product.name_vi for product in listing.products]


def facet(listing, name: str) -> dict[str, int]:
    return {value.label: value.count for value in listing.facets[name]}


@pytest.fixture
def drinks(app):
    make_product(
        "Rượu táo mèo Mù Cang Chải",
        group="beverage",
        description_vi="Ủ men lá truyền thống, không pha cồn ngô.",
    )
    make_product("Bánh ngô nướng Đồng Văn")
    return make_product("Rượu Ngô Cải Vân", group="beverage", stars=5)


@pytest.mark.parametrize(
    "q",
    ["ruou ngo", "RƯỢU NGÔ", unicodedata.normalize("NFD", "Rượu Ngô"), "Ruou Ngo Cai Van"],
    ids=["no-marks", "upper", "nfd", "full-name"],
)
def test_vietnamese_query_finds_the_product_first(drinks, q):
    listing = search(q)
    assert names(listing)[0] == "Rượu Ngô Cải Vân"
    assert not listing.typo_fallback
    assert "Bánh ngô nướng Đồng Văn" not in names(listing)  # every word must match


def test_marks_and_d_fold_both_ways(app):
    make_product("Sâm Ngọc Linh", group="herbal")
    make_product("Đặc sản mắm cá cơm")
    assert names(search("sam ngoc linh")) == ["Sâm Ngọc Linh"]
    assert names(search("dac san")) == ["Đặc sản mắm cá cơm"]
    assert names(search("đặc sản")) == ["Đặc sản mắm cá cơm"]


def test_the_marks_typed_rank_first(app):
    make_product("Cà phê Khe Sanh", group="beverage")
    make_product("Cá cơm khô Cửa Khe")
    assert names(search("cá"))[0] == "Cá cơm khô Cửa Khe"
    assert names(search("cà"))[0] == "Cà phê Khe Sanh"


def test_one_letter_words_count(app):
    make_product("Gạo tám thơm loại A")
    make_product("Gạo tám thơm loại B")
    assert names(search("gao loai a")) == ["Gạo tám thơm loại A"]


def test_typos_are_forgiven_only_when_nothing_matches(drinks):
    typo = search("ruou ngoo")
    assert typo.typo_fallback
    assert "Rượu Ngô Cải Vân" in names(typo)
    assert "<mark>Ngô</mark>" in typo.highlights[drinks.id]
    assert not search("ruou ngo").typo_fallback
    nothing = search("xyzzy")
    assert nothing.total == 0 and nothing.products == [] and not nothing.typo_fallback


@pytest.fixture
def honey(app):
    u_minh = make_producer(make_place("Cà Mau", "U Minh", "Khánh An"), name="HTX Ong mật U Minh")
    make_product("Mật ong rừng U Minh", stars=5, price=400_000, producer=u_minh)
    make_product("Mật ong hoa nhãn", stars=4, price=250_000)
    make_product("Rượu mật ong", stars=3, price=180_000, group="beverage")
    make_product("Mật ong bạc hà", stars=2)  # not certified: never shown to shoppers


def test_facets_count_each_choice_without_its_own_selection(honey):
    listing = search("mat ong")
    assert listing.total == 3
    assert facet(listing, "stars") == {"★★★★★": 1, "★★★★": 1, "★★★": 1}
    assert {v.key: v.count for v in listing.facets["group"]} == {"food": 2, "beverage": 1}
    assert facet(listing, "area") == {"Quảng Nam": 2, "Cà Mau": 1}

    five = search("mat ong", stars=(5,))
    assert names(five) == ["Mật ong rừng U Minh"]
    assert facet(five, "stars") == {"★★★★★": 1, "★★★★": 1, "★★★": 1}
    assert [v.key for v in five.facets["stars"] if v.selected] == ["5"]
    assert {v.key: v.count for v in five.facets["group"]} == {"food": 1}
    assert facet(five, "area") == {"Cà Mau": 1}


def test_area_facet_narrows_to_districts(honey):
    quang_nam = make_place().parent.parent
    listing = search("mat ong", area=quang_nam)
    assert sorted(names(listing)) == ["Mật ong hoa nhãn", "Rượu mật ong"]
    assert facet(listing, "area") == {"Tiên Phước": 2}
    district = make_place().parent
    in_district = search("mat ong", area=district)
    assert facet(in_district, "area") == {"Tiên Phước": 2}  # the province's districts


def test_filters_narrow_and_sorts_order(honey):
    assert names(search("mat ong", group="beverage")) == ["Rượu mật ong"]
    assert sorted(names(search("mat ong", stars=(3, 4)))) == ["Mật ong hoa nhãn", "Rượu mật ong"]
    assert names(search("mat ong", min_price=200_000, max_price=300_000)) == ["Mật ong hoa nhãn"]
    assert names(search("mat ong", min_price=500_000)) == []
    assert names(search("mat ong", sort="price_asc")) == [
        "Rượu mật ong", "Mật ong hoa nhãn", "Mật ong rừng U Minh"
    ]
    assert names(search("mat ong", sort="price_desc"))[0] == "Mật ong rừng U Minh"
    assert names(search("mat ong", sort="stars"))[0] == "Mật ong rừng U Minh"
    assert names(search("mat ong", sort="newest"))[0] == "Rượu mật ong"


def test_pages(honey):
    first = search("mat ong", per_page=2)
    second = search("mat ong", per_page=2, page=2)
    assert first.total == second.total == 3 and first.pages == 2
    assert len(first.products) == 2 and len(second.products) == 1
    assert set(names(first)).isdisjoint(names(second))
    beyond = search("mat ong", per_page=2, page=50)
    assert beyond.products == [] and beyond.total == 3


def test_only_certified_active_products_are_shown_to_shoppers(app):
    make_product("Trà Shan tuyết chưa đánh giá", stars=None)
    make_product("Trà Shan tuyết hai sao", stars=2)
    make_product("Trà Shan tuyết hết hạn", issued_days_ago=37 * 31)
    update_product(make_product("Trà Shan tuyết ngừng bán"), active=False)
    make_product("Trà Shan tuyết Tà Xùa")
    assert names(search("tra shan tuyet")) == ["Trà Shan tuyết Tà Xùa"]
    assert search("tra shan tuyet", include_uncertified=True).total == 5
    assert [s["name"] for s in suggest("tra shan")] == ["Trà Shan tuyết Tà Xùa"]


def test_index_follows_commits(app):
    product = make_product("Nấm hương rừng", stars=None)
    assert search("nam huong").total == 0
    assert search("nam huong", include_uncertified=True).total == 1

    record_evaluation(product=product, score=80, council_level="province",
                      issued_on=date.today() - timedelta(days=3), certificate_no="CN-NH-1")
    assert names(search("nam huong")) == ["Nấm hương rừng"]

    update_product(product, name_vi="Nấm linh chi rừng")
    assert search("nam huong").total == 0
    assert names(search("linh chi")) == ["Nấm linh chi rừng"]

    update_product(product, active=False)
    assert search("linh chi").total == 0
    update_product(product, active=True)
    revoke_certification(evaluation=product.certification, reason="Vi phạm nhãn mác")
    assert search("linh chi").total == 0

    record_evaluation(product=product, score=92, council_level="central",
                      issued_on=date.today(), certificate_no="CN-NH-2")
    found = search("linh chi")
    assert names(found) == ["Nấm linh chi rừng"] and facet(found, "stars") == {"★★★★★": 1}


def test_rolled_back_changes_stay_out_of_the_index(app):
    product = make_product("Miến dong Bình Liêu")
    product.name_vi = "Miến gạo"
    db.session.flush()
    db.session.rollback()
    db.session.commit()  # a later, empty commit must not index the forgotten change
    assert names(search("mien dong")) == ["Miến dong Bình Liêu"]
    assert search("mien gao").total == 0


def test_producer_rename_reaches_its_products(app):
    producer = make_producer(name="HTX Chè Tân Cương")
    make_product("Chè móc câu", producer=producer)
    producer.name = "HTX Trà Thái Nguyên"
    db.session.commit()
    assert names(search("thai nguyen")) == ["Chè móc câu"]
    assert search("tan cuong").total == 0


def test_index_products_drops_what_the_database_no_longer_has(app):
    product = make_product("Bánh đậu xanh Hải Dương", stars=None)  # no rows refer to it
    db.session.execute(delete(Product).where(Product.id == product.id))  # no ORM events
    db.session.commit()
    assert search("banh dau xanh", include_uncertified=True).total == 1  # not heard yet
    index_products([product.id])
    assert search("banh dau xanh", include_uncertified=True).total == 0


def test_suggest_as_you_type(drinks):
    assert suggest("ruou n")[0] == {
        "slug": drinks.slug, "name": "Rượu Ngô Cải Vân", "lang": None, "stars": 5, "group": "beverage"
    }
    assert [s["name"] for s in suggest("RƯỢU NGÔ C")] == ["Rượu Ngô Cải Vân"]
    assert [s["name"] for s in suggest("banh")] == ["Bánh ngô nướng Đồng Văn"]
    assert suggest("   ") == [] and suggest("") == []
    assert suggest("zzz") == []


def test_any_query_gives_a_listing(drinks):
    for q in ("<script>alert(1)</script>", '"ruou" AND (ngo OR x):* ^2 ~', "NOT", "'; --",
              "ruou " * 1000, "!!!", "ngo" * 100):
        assert search(q).total >= 0, q
        assert isinstance(suggest(q), list), q


def test_highlights_are_escaped(app):
    product = make_product("Bánh <script>alert(1)</script> quê")
    listing = search("<script>banh")
    assert listing.highlights[product.id] == (
        "<mark>Bánh</mark> &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; quê"
    )


def test_rebuild_indexes_every_product(app):
    for name in ("Tỏi Lý Sơn", "Tỏi cô đơn", "Tỏi đen"):
        make_product(name)
    current_index().recreate()  # an empty index, as on a new server
    assert search("toi").total == 0
    done: list[int] = []
    assert rebuild(progress=done.append, batch_size=2) == 3
    assert done == [2, 1]
    assert search("toi").total == 3


def test_reindex_command(app):
    make_product("Hạt điều Bình Phước")
    current_index().recreate()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 products in" in result.output
    assert names(search("hat dieu")) == ["Hạt điều Bình Phước"]


def test_two_processes_write_one_index(tmp_path, monkeypatch):
    database = tmp_path / "shared.db"
    index_dir = tmp_path / "shared-index"
    monkeypatch.setattr(TestConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{database}")
    monkeypatch.setattr(TestConfig, "SEARCH_INDEX_DIR", str(index_dir))
    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
        producer = make_producer()
        # A Core insert runs no session events: the index hears of these rows only from the
        # worker processes below.
        db.session.execute(insert(Product), [product_row(n, producer) for n in range(1, 101)])
        db.session.commit()

        workers = [spawn_indexer(database, index_dir, range(1, 51)),
                   spawn_indexer(database, index_dir, range(51, 101))]
        for worker in workers:
            _, errors = worker.communicate(timeout=60)
            assert worker.returncode == 0, errors

        listing = search("hang thu", include_uncertified=True, per_page=200)
        assert listing.total == 100
        assert len({p.id for p in listing.products}) == 100
        db.engine.dispose()


def product_row(n: int, producer) -> dict:
    return {
        "code": f"MP{n:03d}", "slug": f"hang-thu-{n}", "name_vi": f"Hàng thử {n}",
        "group": "food", "producer_id": producer.id, "unit": "gói", "price": 10_000,
        "unit_cost": 5_000, "province_id": producer.area.parent.parent.id,
        "district_id": producer.area.parent.id,
    }


def spawn_indexer(database: Path, index_dir: Path, ids: range) -> subprocess.Popen:
    """Another OS process indexing one product per commit, as a gunicorn worker would."""
    code = textwrap.dedent(
        f"""
        from config import TestConfig
        TestConfig.SQLALCHEMY_DATABASE_URI = "sqlite:///{database}"
        TestConfig.SEARCH_INDEX_DIR = "{index_dir}"
        from storefront import create_app
        from storefront.search.index import index_products
        with create_app(TestConfig).app_context():
            for product_id in {list(ids)}:
                index_products([product_id])
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def test_suggestions_rank_more_stars_first_among_equal_names(app):
    for number in range(20):  # more than twice the suggestions shown, all named alike
        make_product(f"Trà sâm {number:02d}", stars=3)
    make_product("Trà sâm 98", stars=4)
    make_product("Trà sâm 99", stars=5)
    suggestions = suggest("tra s")
    assert len(suggestions) == 8 and [s["name"] for s in suggestions[:2]] == ["Trà sâm 99", "Trà sâm 98"]


def test_a_typo_is_corrected_to_the_words_of_the_index(app):
    make_product("Nước mắm Phú Quốc")
    make_product("Nước mía Sóc Trăng")
    listing = search("nuocc mam")
    assert listing.typo_fallback
    assert names(listing) == ["Nước mắm Phú Quốc"]
    assert listing.total == 1 and facet(listing, "stars") == {"★★★★": 1}


def test_a_typo_leaves_the_words_the_index_has(app):
    make_product("Rượu mận Bắc Hà")
    make_product("Rượu mãng cầu Tây Ninh")  # "mang" is one letter from "man"
    listing = search("ruouu man")
    assert listing.typo_fallback
    assert names(listing) == ["Rượu mận Bắc Hà"]


def test_known_words_that_match_nothing_together_may_each_be_corrected(app):
    make_product("Mật ong rừng U Minh")
    make_product("Nước mắm Cửa Khe")
    listing = search("mam ong")  # both words are in the index, never in one product
    assert listing.typo_fallback
    assert names(listing) == ["Mật ong rừng U Minh"]


def test_equal_scores_rank_more_stars_first_on_every_page(app):
    for number in range(12):  # more matches than a page, all scored alike
        make_product(f"Trà sâm {number:02d}", stars=3)
    make_product("Trà sâm 99", stars=5)
    make_product("Trà sâm 98", stars=4)
    pages = [names(search("tra sam", per_page=2, page=page)) for page in range(1, 8)]
    assert pages[0] == ["Trà sâm 99", "Trà sâm 98"]
    assert sorted(name for page in pages[1:] for name in page) == [f"Trà sâm {n:02d}" for n in range(12)]


def test_scores_are_those_whoosh_gives(app):
    """Matches are scored in bulk (storefront.search.postings); each score must be the one
    Whoosh's own BM25F gives the query, to the last digits."""
    make_product("Mật ong rừng U Minh", description_vi="Mật ong hoa tràm, rừng ngập mặn.")
    make_product("Mật ong bạc hà Hà Giang", name_en="Mint honey")
    make_product("Rượu mật ong", group="beverage")
    make_product("Trà mật ong gừng", description_vi="Trà gừng pha mật ong rừng.")
    snapshot = current_index().snapshot()
    for q in ("mat ong", "Mật ong rừng", "honey", "ong"):
        alternatives = [{word} for word in plain_words(q)]
        ours = relevance_scores(snapshot, alternatives, q)
        whoosh = {hit.docnum: hit.score for hit in snapshot.searcher.search(words_query(alternatives, q), limit=None)}
        assert whoosh and {doc: ours[doc] for doc in whoosh} == pytest.approx(whoosh, rel=1e-12, abs=0), q


def test_a_replaced_document_left_in_its_segment_is_found_no_more(app):
    """Whoosh replaces a document by marking the old one deleted; until segments merge, the old
    one's postings and values stay in the files the search reads as arrays."""
    kept = make_product("Mắm tôm Hậu Lộc", stars=4)
    make_product("Mắm tôm Ba Làng", stars=3)
    writer = current_index().writer()
    writer.update_document(**document_for(kept) | {"stars": 5})
    writer.commit(merge=False)
    segments = current_index().snapshot().searcher.reader().leaf_readers()
    assert any(segment.has_deletions() for segment, _offset in segments)

    found = search("mam tom")
    assert names(found) == ["Mắm tôm Hậu Lộc", "Mắm tôm Ba Làng"]
    assert facet(found, "stars") == {"★★★★★": 1, "★★★": 1}
    assert search("mam tom", sort="price_asc").total == 2


def test_columns_and_lengths_are_read_as_whoosh_reads_them(app):
    """A segment's columns and field lengths are read from their bytes at once (a worker's first
    search read 100,000 documents' values one by one); each value must be the one Whoosh's own
    readers give, in every segment, for documents with and without a value."""
    make_product("Mật ong rừng U Minh", stars=5, price=320_000, description_vi="Mật ong hoa tràm.")
    make_product("Rượu mật ong", group="beverage", stars=None, price=95_000)
    make_product("Bánh tráng phơi sương Trảng Bàng", group="food", stars=3, name_en="Dew-dried rice paper")
    rebuild()  # the three in one segment, side by side
    writer = current_index().writer()  # a second segment, holding one product without stars
    writer.add_document(**document_for(make_product("Trà mật ong gừng", stars=None, price=0)))
    writer.commit(merge=False)
    segments = [segment for segment, _offset in current_index().snapshot().searcher.reader().leaf_readers()]
    assert [segment.doc_count_all() for segment in segments] == [3, 1]
    for segment in segments:
        for field in ("group", "stars", "province_id", "district_id", "visible_from", "visible_until", "price", "created"):
            whoosh = np.array(list(segment.column_reader(field)))
            ours, = read_column(segment, field)
            assert ours.dtype == whoosh.dtype and ours.tolist() == whoosh.tolist(), field
        for field in ("name", "name_en", "body", "name_exact", "name_ngram"):
            whoosh = [segment.doc_field_length(doc, field, 0) or 0 for doc in range(segment.doc_count_all())]
            assert read_lengths(segment, field)[0].tolist() == whoosh, field


def test_long_postings_are_written_in_long_blocks(app):
    """A process reads a term's postings a block at a time, and the first read of a long list
    (a one-letter prefix) cost mostly per block: live updates and rebuilds alike write 4,096
    postings a block rather than Whoosh's 128. Every posting is read back, from a segment an
    older version wrote with Whoosh's blocks too."""
    index = current_index()
    writers = (index.writer, lambda: new_index_writer(index.index, procs=1), lambda: index.index.writer())
    for open_writer in writers:
        writer = open_writer()
        for number in range(300):
            writer.add_document(id=str(number), name="Mật ong")
        writer.commit(merge=False)
    segments = [segment for segment, _offset in index.snapshot().searcher.reader().leaf_readers()]
    assert [segment.postings("name", "mat")._blocklength for segment in segments] == [300, 300, 128]
    for segment in segments:
        docs, _weights = read_postings(segment, "name", "mat")
        assert docs.tolist() == list(range(300))


@pytest.mark.parametrize(
    "filters",
    [{}, {"stars": (4,)}, {"stars": (3, 5)}, {"group": "beverage"}, {"min_price": 200_000},
     {"area": "province"}, {"area": "district"}, {"include_uncertified": True}],
    ids=repr,
)
def test_search_counts_as_the_catalogue_does(app, filters):
    """A query every product matches: the total and facets equal the SQL listing's, and the
    orders by price equal its orders."""
    ha_giang = make_producer(make_place("Hà Giang", "Đồng Văn", "Lũng Cú"))
    for n, (stars, group, producer) in enumerate(
        [(5, "food", None), (4, "food", ha_giang), (4, "beverage", None), (3, "beverage", ha_giang),
         (3, "food", None), (2, "food", None), (None, "beverage", ha_giang), (4, "herbal", ha_giang)]
    ):
        make_product(f"Đặc sản số {n}", stars=stars, group=group, producer=producer, price=100_000 + 50_000 * n)
    if (level := filters.get("area")) is not None:
        commune = make_place("Hà Giang", "Đồng Văn", "Lũng Cú")
        filters = filters | {"area": commune.parent.parent if level == "province" else commune.parent}
    for sort in ("relevance", "price_asc", "price_desc"):
        searched = search("dac san", sort=sort, **filters)
        listed = sql_listing(ProductFilters(sort=sort, **filters), per_page=24)
        assert searched.total == listed.total
        assert searched.facets == listed.facets
        if sort != "relevance":
            assert names(searched) == names(listed)
