"""The back office's lists at national scale and beyond: the audit log with a million entries,
people with 100,000 accounts, outlets with 1,000 sales points.

    .venv/bin/python bench/backoffice.py [--entries 1000000] [--people 100000] [--outlets 1000]
                                         [--databases sqlite postgresql] [--no-record]
                                         [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_backoffice]

For each database, a fresh one (a SQLite file under bench/out, or the scratch PostgreSQL
database dropped and created again) gets `flask db upgrade`, `flask seed synthetic --products
1000` (for its area tree), then in bulk: the accounts, the outlets, and the audit entries
written over the last two years by the staff and managers among them. Each page is then asked
for through the app in process (the whole request: routing, queries, template), logged in as an
admin, 20 times; the median and 95th percentile are printed. For comparison, what the pages
avoid: counting the log, and reading a deep page with OFFSET.
Figures go to stdout and, under "Back-office lists", to bench/RESULTS.md (not with --no-record).
"""
from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    database_arguments,
    flask,
    in_process_app,
    machine,
    percentiles,
    postgres,
    postgres_version,
    record,
    require_loopback,
    scratch_env,
)

BATCH = 20_000
REPEAT = 20
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Hoài")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Đào", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam", "Nga",
         "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến")
RECORD_TYPES = (("product", 30), ("stock_level", 30), ("evaluation", 15), ("producer", 10), ("outlet", 10),
                ("user", 5))
ACTIONS = {"product": "update", "stock_level": "adjust", "evaluation": "import_create", "producer": "update",
           "outlet": "update", "user": "change_role"}


def insert_people(db, count: int) -> dict[str, list[int]]:
    """Accounts: 5 admins, 50 staff, 300 managers, customers for the rest. Ids by role."""
    from sqlalchemy import insert, select

    from storefront.accounts.models import User
    from storefront.clock import utcnow
    from storefront.search.analysis import folded

    rng = random.Random(1)
    roles = ["admin"] * 5 + ["staff"] * 50 + ["manager"] * 300
    rows = []
    for n in range(count):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        email = f"user{n:06d}@example.vn"
        rows.append({"email": email, "name": name, "password_hash": "!", "role": roles[n] if n < len(roles) else "customer",
                     "active": n % 50 != 49, "created_at": utcnow(), "search_text": folded(f"{name} {email}")})
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(User), rows[start:start + BATCH])
    db.session.commit()
    ids: dict[str, list[int]] = {}
    for role, id_ in db.session.execute(select(User.role, User.id)):
        ids.setdefault(role, []).append(id_)
    return ids


def insert_outlets(db, count: int) -> None:
    from sqlalchemy import insert, select

    from storefront.catalog.models import Area
    from storefront.outlets.models import OUTLET_KINDS, Outlet, outlet_search_text

    communes = db.session.execute(select(Area.id, Area.name).where(Area.level == "commune")).all()
    rows = []
    for n in range(count):
        area_id, place = communes[n % len(communes)]
        code, name, address = f"BO-{n:04d}", f"Điểm bán OCOP {place} {n}", f"{n} Đường Hùng Vương, {place}"
        rows.append({"code": code, "name": name, "kind": OUTLET_KINDS[n % 3], "area_id": area_id, "address": address,
                     "active": n % 20 != 19, "search_text": outlet_search_text(code, name, address)})
    db.session.execute(insert(Outlet), rows)
    db.session.commit()


def insert_entries(db, count: int, people: dict[str, list[int]]) -> None:
    """`count` entries over the last two years, in time order, by staff and managers."""
    from storefront.audit.models import AuditEntry

    rng = random.Random(2)
    writers = people["staff"] + people["manager"] + people["admin"]
    kinds = [kind for kind, weight in RECORD_TYPES for _ in range(weight)]
    start = datetime.utcnow() - timedelta(days=730)
    step = timedelta(days=730) / count
    table = AuditEntry.__table__
    for first in range(0, count, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, count)):
            kind = rng.choice(kinds)
            rows.append({"created_at": start + step * n, "user_id": rng.choice(writers) if n % 100 else None,
                         "record_type": kind, "record_id": rng.randint(1, 100_000), "record_label": f"{kind} {n}",
                         "action": ACTIONS[kind], "changes": {"price": [n, n + 1000]}})
        db.session.execute(table.insert(), rows)
    db.session.commit()


def timed_pages(app, admin_id: int, pages: dict[str, str]) -> list[str]:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(admin_id)
        session["_fresh"] = True
    figures = []
    for label, url in pages.items():
        samples = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        median, p95 = percentiles(samples)
        figures.append(f"{label} median {median:.0f} ms, p95 {p95:.0f} ms")
    return figures


def timed_sql(db, label: str, statement: str) -> str:
    from sqlalchemy import text

    samples = []
    for _ in range(5):
        started = time.perf_counter()
        db.session.execute(text(statement)).all()
        samples.append((time.perf_counter() - started) * 1000)
    return f"{label} median {percentiles(samples)[0]:.0f} ms"


def measure(env: dict, url: str, entries: int, people_count: int, outlets: int) -> list[str]:
    from sqlalchemy import func, select

    from storefront.accounts.models import User
    from storefront.audit.models import AuditEntry
    from storefront.extensions import db

    app = in_process_app(env, url)
    with app.app_context():
        started = time.perf_counter()
        people = insert_people(db, people_count)
        insert_outlets(db, outlets)
        insert_entries(db, entries, people)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        filled = time.perf_counter() - started
        oldest, newest = db.session.execute(select(func.min(AuditEntry.id), func.max(AuditEntry.id))).one()
        staff_email, manager_email = (db.session.scalar(select(User.email).where(User.id == people[role][0]))
                                      for role in ("staff", "manager"))
        year_ago = (datetime.utcnow() - timedelta(days=365)).date()
        pages = {
            "/admin/audit, newest 50": "/admin/audit",
            "/admin/audit, 50 older than the oldest but 50 (the last page)": f"/admin/audit?before={oldest + 51}",
            "/admin/audit, one staff member": f"/admin/audit?person={staff_email}",
            "/admin/audit, one manager, stock levels": f"/admin/audit?person={manager_email}&kind=stock_level",
            "/admin/audit, outlets": "/admin/audit?kind=outlet",
            "/admin/audit, one day a year ago": f"/admin/audit?from={year_ago}&to={year_ago}",
            "/admin/audit, people's entries in one week a year ago":
                f"/admin/audit?kind=user&from={year_ago}&to={year_ago + timedelta(days=6)}",
            "/admin/users, first page": "/admin/users",
            "/admin/users, search “nguyen van an”": "/admin/users?q=nguyen+van+an",
            "/admin/users, managers": "/admin/users?role=manager",
            "/admin/users, page 1,000": "/admin/users?page=1000",
            "/admin/outlets, first page": "/admin/outlets",
            "/admin/outlets, search “hung vuong 99”": "/admin/outlets?q=hung+vuong+99",
            "/admin/outlets, closed ones": "/admin/outlets?status=closed",
        }
        admin_id = people["admin"][0]
        figures = timed_pages(app, admin_id, pages)
        figures.append(timed_sql(db, "what the log page avoids: SELECT count(*) FROM audit_entry",
                                 "SELECT count(*) FROM audit_entry"))
        figures.append(timed_sql(db, "and a page by OFFSET halfway down",
                                 f"SELECT id FROM audit_entry ORDER BY id DESC LIMIT 50 OFFSET {entries // 2}"))
        db.engine.dispose()
    return [f"data written in {filled:.0f} s ({newest - oldest + 1:,} entries)", *figures]


def run(database: str, url: str, entries: int, people: int, outlets: int) -> list[str]:
    env = scratch_env(f"backoffice-{database}", url if database == "postgresql" else None)
    if database == "postgresql":
        postgres("dropdb", url)
        postgres("createdb", url)
    else:
        url = f"sqlite:///{env['INSTANCE_DIR']}/ocop.db"
    try:
        flask(env, "db", "upgrade")
        flask(env, "seed", "synthetic", "--products", "1000", "--seed", "1", "--no-index")
        figures = measure(env, url, entries, people, outlets)
    finally:
        if database == "postgresql":
            postgres("dropdb", url)
        shutil.rmtree(env["INSTANCE_DIR"], ignore_errors=True)
    label = f"PostgreSQL {postgres_version(url).split()[0]}" if database == "postgresql" else f"SQLite {sqlite3.sqlite_version}"
    scale = f"{entries:,} audit entries, {people:,} accounts, {outlets:,} outlets"
    return [f"{label} · {scale} · {figure}" for figure in figures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--outlets", type=int, default=1_000)
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_backoffice")
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()}"]
    print(f"# back-office lists bench · {stamp}\n{lines[0]}", flush=True)
    for database in args.databases:
        for line in run(database, args.database_url, args.entries, args.people, args.outlets):
            lines.append(line)
            print(line, flush=True)
    if not args.no_record:
        record("Back-office lists", stamp, lines)


if __name__ == "__main__":
    main()
