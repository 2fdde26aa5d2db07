"""The search change log: a row per product whose indexed text changed, written in the change's
own transaction; every index folder applies the rows past its own cursor (see search.index)."""
from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import db


class SearchChange(db.Model):
    # Ids rise in commit order: rows are written after the catalogue version's row is locked
    # (storefront.catalog.versions), so a reader never passes a row still to be committed.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    product_id: Mapped[int]
