"""Every domain's models, imported together so migrations see the whole schema."""
from storefront.accounts.models import User  # noqa: F401
from storefront.catalog.models import (  # noqa: F401
    Area,
    Evaluation,
    Producer,
    Product,
    TraceEvent,
    TraceLot,
)
