"""Product photos: checked from their content, re-encoded in four sizes and a share picture, served for a year;
a refused file leaves nothing behind."""
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from storefront.audit.services import record_history
from storefront.catalog.models import ProductPhoto
from storefront.catalog.photos import MAX_PHOTO_BYTES
from storefront.extensions import db
from tests.factories import make_product


def image_bytes(fmt="JPEG", size=(900, 600), color="red", mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def png_bomb(width=30_000, height=30_000) -> bytes:
    """A tiny PNG whose header claims 900 megapixels (all zeros compress to almost nothing)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + width // 8) * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def upload(client, product, *files):
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict(
        [("photos", FileStorage(io.BytesIO(data), filename=name)) for name, data in files]
    ))
    return client.post(f"/admin/products/{product.code}/photos", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored_files(app) -> list[Path]:
    root = Path(app.config["PHOTO_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.parametrize("fmt, mode", [("JPEG", "RGB"), ("PNG", "RGBA"), ("WEBP", "RGB")])
def test_a_photo_is_stored_in_four_sizes_and_a_share_picture_and_shown_everywhere(app, client, staff_user, fmt, mode):
    product = make_product("Sâm Ngọc Linh", stars=5)
    response = upload(client, product, (f"sam.{fmt.lower()}", image_bytes(fmt, mode=mode)))
    assert response.status_code == 302
    [photo] = db.session.scalars(db.select(ProductPhoto)).all()
    files = stored_files(app)
    assert [path.name for path in files] == sorted(
        [f"{photo.digest}-{size}.webp" for size in ("card", "full", "medium", "thumbnail")] + [f"{photo.digest}-share.jpg"])
    sizes = {path.name.split("-")[1]: image_size(path) for path in files}
    assert sizes == {"thumbnail.webp": (160, 160), "card.webp": (480, 480), "medium.webp": (800, 533),
                     "full.webp": (900, 600), "share.jpg": (1200, 630)}

    card = client.get("/products").text
    card_url = f"/media/photos/{product.id}/{photo.digest}-card.webp"
    assert card_url in card
    assert f"/media/photos/{product.id}/{photo.digest}-full.webp" in client.get(f"/products/{product.slug}").text
    api = client.get(f"/api/v1/products/{product.slug}").json
    assert api["photos"] == [{size: f"http://localhost/media/photos/{product.id}/{photo.digest}-{size}.webp"
                              for size in ("thumbnail", "card", "medium", "full")}]
    assert client.get("/api/v1/products").json["items"][0]["photos"] == api["photos"]
    with client.get(card_url) as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert "max-age=31536000" in served.headers["Cache-Control"]
        assert "immutable" in served.headers["Cache-Control"]
    [entry] = [e for e in record_history(product) if e.action == "add_photo"]
    assert entry.changes == {"photos": [[], [photo.digest[:8]]]}


def test_a_product_without_photo_keeps_its_group_drawing(client, staff_user):
    product = make_product("Bánh tráng Đại Lộc", stars=4, group="food")
    assert "/static/img/groups/food.svg" in client.get(f"/products/{product.slug}").text
    assert client.get(f"/api/v1/products/{product.slug}").json["photos"] == []


@pytest.mark.parametrize("name, data, message", [
    ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000, "not a JPEG, PNG or WebP photo"),
    ("photo.png", b"\x7fELF" + b"\x00" * 2000, "not a JPEG, PNG or WebP photo"),
    ("photo.gif", b"GIF89a" + b"\x00" * 100, "not a JPEG, PNG or WebP photo"),
    ("big.jpg", b"\xff\xd8\xff" + b"\x00" * MAX_PHOTO_BYTES, "larger than 10 MB"),
    ("bomb.png", png_bomb(), "more than 40 million pixels"),
    ("cut.jpg", image_bytes("JPEG")[:400], "damaged or cut short"),
])
def test_a_refused_file_writes_nothing(app, client, staff_user, name, data, message):
    product = make_product()
    response = upload(client, product, (name, data))
    assert response.status_code == 400
    assert message in response.text and name in response.text
    assert stored_files(app) == []
    assert db.session.scalar(db.select(db.func.count(ProductPhoto.id))) == 0
    assert [e.action for e in record_history(product)] == []


def test_a_refused_file_among_good_ones_is_named_and_the_good_ones_kept(app, client, staff_user):
    product = make_product()
    response = upload(client, product, ("a.jpg", image_bytes(color="red")), ("virus.jpg", b"MZ" + b"\x00" * 99),
                      ("b.png", image_bytes("PNG", color="blue")))
    assert response.status_code == 400 and "virus.jpg" in response.text
    assert db.session.scalar(db.select(db.func.count(ProductPhoto.id))) == 2
    assert len(stored_files(app)) == 10  # two photos, five files each


def test_the_same_photo_twice_is_refused(app, client, staff_user):
    product = make_product()
    data = image_bytes()
    upload(client, product, ("a.jpg", data))
    response = upload(client, product, ("again.jpg", data))
    assert "already has that photo" in response.text
    assert len(stored_files(app)) == 5


def test_photos_are_reordered_and_deleted(app, client, staff_user):
    product = make_product("Mật ong bạc hà", stars=4)
    upload(client, product, ("a.jpg", image_bytes(color="red")), ("b.jpg", image_bytes(color="blue")))
    first, second = db.session.scalars(db.select(ProductPhoto).order_by(ProductPhoto.position)).all()
    client.post(f"/admin/products/{product.code}/photos/{second.id}/move", data={"step": "up"})
    db.session.expire_all()
    shop = client.get("/products").text
    assert f"{second.digest}-card.webp" in shop and f"{first.digest}-card.webp" not in shop  # the card shows the first

    client.post(f"/admin/products/{product.code}/photos/{second.id}/delete")
    assert db.session.scalars(db.select(ProductPhoto.id)).all() == [first.id]
    assert all(first.digest in path.name for path in stored_files(app)) and len(stored_files(app)) == 5
    actions = {e.action: e.changes["photos"] for e in record_history(product)}
    assert actions["reorder_photos"] == [[first.digest[:8], second.digest[:8]], [second.digest[:8], first.digest[:8]]]
    assert actions["delete_photo"] == [[second.digest[:8], first.digest[:8]], [first.digest[:8]]]


def test_photo_urls_only_serve_photo_files(client, staff_user):
    assert client.get("/media/photos/1/../../config.py").status_code == 404
    assert client.get("/media/photos/1/notes.txt").status_code == 404
    assert client.get(f"/media/photos/1/{'a' * 32}-card.webp").status_code == 404
