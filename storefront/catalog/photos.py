"""Product photos: checked from their content, re-encoded and cut into the sizes the pages use
(thumbnail, card, medium, full, and a 1200×630 JPEG for links shared on social networks), stored as files under PHOTO_DIR and served at URLs that name their
content, so browsers may keep them for a year.

A refused file leaves nothing behind: every check and every re-encoding happens in memory
before the first byte is written, and files written for a change that then fails are removed.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import warnings
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from storefront.accounts.models import User
from storefront.audit.services import record_change
from storefront.catalog.models import PHOTO_SIZES, Product, ProductPhoto
from storefront.catalog.services import CatalogError
from storefront.extensions import db
from storefront.spreadsheets import MEGABYTE

logger = logging.getLogger(__name__)


class PhotoRejected(CatalogError):
    """An upload that is not a photo we take: not an image, too large, damaged."""


MAX_PHOTO_BYTES = 10 * MEGABYTE
# 40 megapixels: more than any phone camera; a small file that claims more is a decompression
# bomb (it would take gigabytes of memory to decode). Pillow warns above its limit and refuses
# twice that; we refuse both.
MAX_PHOTO_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PHOTOS = 12  # per product
# ProductPhoto.filename, and the share picture's file
PHOTO_FILE = re.compile(r"[0-9a-f]{32}-((thumbnail|card|medium|full)\.webp|share\.jpg)")
WEBP_QUALITY = 82
# Open Graph's and Twitter's large picture; JPEG, as not every network's preview reads WebP.
SHARE_SIZE = (1200, 630)
SHARE_NAME = "share.jpg"
JPEG_QUALITY = 85
CACHE_SECONDS = 365 * 24 * 3600


def photo_dir() -> Path:
    return Path(current_app.config["PHOTO_DIR"])


def photo_url(photo: ProductPhoto, size: str, *, external: bool = False) -> str:
    return url_for("catalog.photo", product_id=photo.product_id, name=f"{photo.digest}-{size}.webp",
                   _external=external)


def share_file(photo: ProductPhoto) -> str:
    return f"{photo.product_id}/{photo.digest}-{SHARE_NAME}"


def share_image_url(photo: ProductPhoto) -> str:
    return url_for("catalog.photo", product_id=photo.product_id, name=f"{photo.digest}-{SHARE_NAME}")


def photo_urls(photo: ProductPhoto, *, external: bool = False) -> dict[str, str]:
    return {size: photo_url(photo, size, external=external) for size in PHOTO_SIZES}


def decode(data: bytes) -> Image.Image:
    """The first frame of a JPEG, PNG or WebP, turned upright; refuses anything else."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected(_("The photo is larger than %(mb)d MB.", mb=MAX_PHOTO_BYTES // MEGABYTE))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            image.load()
            return ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_("The photo has more than %(mp)d million pixels.",
                              mp=MAX_PHOTO_PIXELS // 1_000_000)) from None
    except UnidentifiedImageError:
        raise PhotoRejected(_("This file is not a JPEG, PNG or WebP photo.")) from None
    except (OSError, SyntaxError, ValueError):
        raise PhotoRejected(_("The photo is damaged or cut short.")) from None


def render_sizes(image: Image.Image, sizes=tuple(PHOTO_SIZES)) -> dict[str, bytes]:
    """The photo re-encoded as WebP in every size (transparency kept)."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    rendered = {}
    for size in sizes:
        side, square = PHOTO_SIZES[size]
        if square:
            resized = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
        else:
            resized = image.copy()
            resized.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=WEBP_QUALITY)
        rendered[size] = out.getvalue()
    return rendered


def render_share_image(image: Image.Image) -> bytes:
    """The photo cut to fill 1200×630, on white where it was transparent, as a JPEG."""
    if image.mode in ("RGBA", "LA", "PA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    fitted = ImageOps.fit(image.convert("RGB"), SHARE_SIZE, method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def add_missing_size(product_id: int, name: str) -> None:
    """Photos stored before a size existed get it from their "full" file on first request."""
    path = photo_dir() / str(product_id) / name
    stem, size = name.rsplit("-", 1)
    full = path.with_name(stem + "-full.webp")
    if path.exists() or not full.exists() or size == "full.webp":
        return
    with Image.open(full) as image:
        if size == SHARE_NAME:
            data = render_share_image(image)
        else:
            size = size.removesuffix(".webp")
            data = render_sizes(image, sizes=(size,))[size]
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def write_files(files: dict[str, bytes]) -> list[Path]:
    """Each file (its name under PHOTO_DIR: its bytes) written whole, or none of them."""
    written = []
    try:
        for name, data in files.items():
            path = photo_dir() / name
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            os.replace(partial, path)  # readers never see half a file
            written.append(path)
    except OSError:
        remove_files(written)
        raise
    return written


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.exception("Could not remove photo file %s", path)


def photo_order(product: Product) -> list[str]:
    """What the audit log keeps of a product's photos: the start of their digests, in order."""
    return [photo.digest[:8] for photo in product.photos]


def add_photo(*, actor: User | None, product: Product, data: bytes) -> ProductPhoto:
    """Check, re-encode and store a photo as the product's last one."""
    image = decode(data)
    digest = hashlib.sha256(data).hexdigest()[:32]
    if any(photo.digest == digest for photo in product.photos):
        raise PhotoRejected(_("This product already has that photo."))
    if len(product.photos) >= MAX_PHOTOS:
        raise PhotoRejected(_("A product has at most %(n)d photos: delete one first.", n=MAX_PHOTOS))
    rendered, share = render_sizes(image), render_share_image(image)
    before = photo_order(product)
    photo = ProductPhoto(product=product, digest=digest, width=image.width, height=image.height,
                         position=max((p.position for p in product.photos), default=-1) + 1)
    db.session.add(photo)
    db.session.flush()
    record_change(actor=actor, record=product, action="add_photo", before={"photos": before},
                  after={"photos": photo_order(product)}, label=product.name_vi)
    files = {photo.filename(size): data for size, data in rendered.items()}
    written = write_files(files | {share_file(photo): share})
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_files(written)
        raise
    return photo


def move_photo(*, actor: User | None, photo: ProductPhoto, step: int) -> None:
    """Move a photo earlier (step −1) or later (+1); the first one is the product's picture."""
    product = photo.product
    photos = list(product.photos)
    at = photos.index(photo)
    to = min(max(at + step, 0), len(photos) - 1)
    if to == at:
        return
    before = photo_order(product)
    photos.insert(to, photos.pop(at))
    for position, each in enumerate(photos):
        each.position = position
    product.photos[:] = photos
    record_change(actor=actor, record=product, action="reorder_photos", before={"photos": before},
                  after={"photos": photo_order(product)}, label=product.name_vi)
    db.session.commit()


def delete_photo(*, actor: User | None, photo: ProductPhoto) -> None:
    product = photo.product
    before = photo_order(product)
    paths = [photo_dir() / photo.filename(size) for size in PHOTO_SIZES] + [photo_dir() / share_file(photo)]
    product.photos.remove(photo)
    db.session.delete(photo)
    record_change(actor=actor, record=product, action="delete_photo", before={"photos": before},
                  after={"photos": photo_order(product)}, label=product.name_vi)
    db.session.commit()
    remove_files(paths)  # only once the row is gone: a failed delete keeps a working photo
