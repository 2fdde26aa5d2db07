"""The demo seed tells the plans' story; the synthetic seed is fast, deterministic and sound."""
import re
from collections import Counter, defaultdict
from datetime import date

import pytest

from storefront.accounts.services import authenticate
from storefront.catalog.filters import ProductFilters
from storefront.catalog.models import (
    PRODUCER_KINDS, PRODUCT_GROUPS, TRACE_EVENT_KINDS, Area, Evaluation, Producer, Product,
    TraceLot,
)
from storefront.outlets.models import Outlet, StockLevel
from storefront.outlets.services import check_stock
from storefront.search.queries import search_products
from storefront.seed.data_areas import QUANG_NAM_DISTRICTS
from storefront.seed.demo import SeedError, seed_demo
from storefront.seed.demo_outlets import DEMO_ACCOUNTS, DEMO_PASSWORD
from storefront.seed.synthetic import seed_synthetic
from tests.conftest import reset_database


def all_of(db, model):
    return db.session.scalars(db.select(model)).all()


def by_name(db, name):
    return db.session.scalar(db.select(Product).where(Product.name_vi == name))


# Seeding the demo takes seconds: it is seeded once per worker (the `demo` fixture), and each
# test checks several stories.


def test_demo_catalogue_certifications_and_lots(demo, db):
    check_catalogue_covers_every_group_and_kind(db, demo)
    check_certifications_tell_the_plans_story(db, demo)
    check_lots_have_their_story_in_order(db, demo)


def test_demo_sales_points_stock_and_accounts(demo, db):
    check_sales_points_cover_every_district(db, demo)
    check_accounts_and_reseeding(db, demo)


def test_demo_host_address_names_its_commune_once(demo, db, client):
    # A producer's address is the street or village; pages add its area (the commune) after it.
    homestay = by_name(db, "Làng Cơ Tu Bhờ Hôồng – homestay một đêm")
    area = homestay.producer.area.full_name
    page = client.get(f"/products/{homestay.slug}").text
    address = re.search(r"<dd>(Thôn [^<]*)</dd>", page).group(1)
    assert address.count(area) == 1 and address.endswith(area)
    assert not any(p.area.name in p.address for p in all_of(db, Producer))


def check_catalogue_covers_every_group_and_kind(db, demo):
    products = all_of(db, Product)
    assert len(products) >= 120 and demo["products"] == len(products)
    groups = Counter(p.group for p in products)
    assert set(groups) == set(PRODUCT_GROUPS)
    assert min(groups.values()) >= 8, groups
    assert {p.kind for p in all_of(db, Producer)} == set(PRODUCER_KINDS)
    assert any(p.ethnic_minority_led for p in all_of(db, Producer))
    assert any(p.women_led for p in all_of(db, Producer))
    assert all(0.5 * p.price <= p.unit_cost <= 0.8 * p.price for p in products)


def check_certifications_tell_the_plans_story(db, demo):
    products = all_of(db, Product)
    valid = Counter(p.valid_certification.stars for p in products if p.valid_certification)
    assert valid[3] > valid[4] > valid[5] > 0
    expired = [p for p in products if p.certification and not p.valid_certification]
    below = [p for p in products if p.evaluations and all(e.stars < 3 for e in p.evaluations)]
    assert len(expired) >= 5 and len(below) >= 5
    assert all(p.certification is None for p in below)
    assert all(e.certificate_no is None and e.score < 50 for p in below for e in p.evaluations)
    recertified = [
        p for p in products
        if p.valid_certification and any(e.certified and not e.is_valid() for e in p.evaluations)
    ]
    assert len(recertified) >= 2

    corn = by_name(db, "Rượu Ngô Cải Vân")
    assert corn.group == "beverage" and corn.province.name == "Cao Bằng"
    assert corn.valid_certification.stars == 4 and corn.lots
    ginseng = [p for p in products if p.name_vi.startswith("Sâm Ngọc Linh")]
    assert any(p.valid_certification and p.valid_certification.stars == 5 for p in ginseng)
    assert any(p.lots for p in ginseng)

    for evaluation in all_of(db, Evaluation):
        assert evaluation.expires_on == Evaluation.expiry_for(evaluation.issued_on)
        if evaluation.stars == 5:
            assert evaluation.council_level == "central"
        elif evaluation.issued_on >= date(2025, 1, 1):
            assert evaluation.council_level == "province"
        elif evaluation.stars == 3:
            assert evaluation.council_level == "district"


def check_lots_have_their_story_in_order(db, demo):
    lots = all_of(db, TraceLot)
    assert len(lots) >= 60
    assert any(s in lot.standard_list for lot in lots for s in ("VietGAP", "HACCP", "ISO 22000"))
    for lot in lots:
        assert 3 <= len(lot.events) <= 5, lot.lot_code
        days = [e.happened_on for e in lot.events]
        assert days == sorted(days) and len(set(days)) == len(days), lot.lot_code
        order = [TRACE_EVENT_KINDS.index(e.kind) for e in lot.events]
        assert order == sorted(order), lot.lot_code
        assert lot.best_before is None or lot.best_before > lot.produced_on
        assert all(e.description for e in lot.events)


def check_sales_points_cover_every_district(db, demo):
    province = db.session.scalar(db.select(Area).where(Area.code == "49"))
    districts = {a.code: a for a in all_of(db, Area) if a.parent_id == province.id}
    assert sorted(districts) == sorted(QUANG_NAM_DISTRICTS) and len(districts) == 18
    outlets = [o for o in all_of(db, Outlet) if o.active]
    covered = {o.district.code for o in outlets if o.district.parent_id == province.id}
    assert covered == set(QUANG_NAM_DISTRICTS)
    centre = [o for o in outlets if o.kind == "provincial_centre"]
    assert [o.district.name for o in centre] == ["Tam Kỳ"]
    assert sum(o.kind == "partner_shop" for o in outlets) == 2
    assert all(o.latitude and o.longitude and o.phone and o.address for o in outlets)

    stock = defaultdict(list)
    for level in all_of(db, StockLevel):
        stock[level.outlet].append(level)
    for outlet in outlets:
        levels = stock[outlet]
        if outlet.kind == "provincial_centre":  # the showcase carries every certified product
            sellable = [p for p in all_of(db, Product) if p.is_sellable]
            assert {level.product for level in levels} == set(sellable)
        else:
            assert 15 <= len(levels) <= 40, outlet.code
        products = [level.product for level in levels]
        assert all(p.is_sellable for p in products), outlet.code
        assert any(p.district_id != outlet.district.id for p in products), outlet.code
        assert any(p.province_id != province.id for p in products), outlet.code
    assert any(level.on_hand == 0 for level in all_of(db, StockLevel))
    assert any(level.is_low and level.on_hand > 0 for level in all_of(db, StockLevel))
    assert check_stock() == []


def check_accounts_and_reseeding(db, demo):
    for email, role, _name in DEMO_ACCOUNTS:
        user = authenticate(email=email, password=DEMO_PASSWORD)
        assert user is not None and user.role == role
    manager = authenticate(email="manager@ocop.example", password=DEMO_PASSWORD)
    assert sorted(o.code for o in manager.outlets) == ["QN-514", "QN-TT"]
    with pytest.raises(SeedError, match="already has"):
        seed_demo()


def test_cli_seeds_demo_rebuilds_the_index_and_skips_when_not_empty(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "admin@ocop.example" in result.output and DEMO_PASSWORD in result.output
    assert "Indexed" in result.output

    with app.test_request_context("/search?q=ruou+ngo"):
        found = search_products(ProductFilters(q="ruou ngo"), per_page=10).products
    assert "Rượu Ngô Cải Vân" in [p.name_vi for p in found]

    skipped = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert skipped.exit_code == 0
    assert "Database already has products; demo seed skipped." in skipped.output
    refused = runner.invoke(args=["seed", "demo"])
    assert refused.exit_code == 1 and "already has" in refused.output

    synthetic = runner.invoke(args=["seed", "synthetic", "--products", "40", "--seed", "5", "--no-index"])
    assert synthetic.exit_code == 0, synthetic.output


def synthetic_rows(db):
    return db.session.execute(
        db.select(Product.code, Product.name_vi, Product.price).order_by(Product.code)
    ).all()


def test_synthetic_same_seed_same_data(db):
    seed_synthetic(products=300, seed=11)
    first = synthetic_rows(db)
    db.session.remove()
    reset_database()
    seed_synthetic(products=300, seed=11)
    assert synthetic_rows(db) == first and len(first) == 300
    assert all(code.startswith("syn11-") for code, _name, _price in first)
    assert not any(p.area.name in p.address for p in all_of(db, Producer))  # the area is kept apart


def test_synthetic_certifications_point_at_own_certified_evaluations(db):
    result = seed_synthetic(products=600, seed=3)
    products = all_of(db, Product)
    assert len(products) == 600 == result["products"]
    certified = [p for p in products if p.certification_id is not None]
    assert certified and len(certified) == result["certified"]
    for product in certified:
        assert product.certification.product_id == product.id
        assert product.certification.stars >= 3
    for product in products:
        if product.certification_id is None:
            assert all(e.stars < 3 for e in product.evaluations)
    assert any(p.certification and not p.valid_certification for p in products)
    assert len({p.group for p in products}) == len(PRODUCT_GROUPS)
    assert len({p.slug for p in products}) == 600


def test_synthetic_seeds_live_side_by_side(db):
    seed_synthetic(products=50, seed=1)
    seed_synthetic(products=50, seed=2)
    assert db.session.scalar(db.select(db.func.count(Product.id))) == 100
    with pytest.raises(SeedError, match="seed 1"):
        seed_synthetic(products=50, seed=1)
