"""The search change log: a row per product whose indexed text changed, written in the change's
own transaction; every index folder applies the rows past its own cursor (see search.index).
`flask search prune` deletes the rows older than SEARCH_CHANGE_RETENTION_DAYS."""
from datetime import datetime

from sqlalchemy import BigInteger, Integer, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.clock import utcnow
from storefront.extensions import db

# product_id of the row that marks where the log was pruned: that row and every row before it
# are gone, so an index whose cursor is before it missed changes (no product has id 0).
PRUNED_MARK = 0


class SearchChange(db.Model):
    # Ids rise in commit order: rows are written after the catalogue version's row is locked
    # (storefront.catalog.versions), so a reader never passes a row still to be committed.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    product_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.current_timestamp())
