"""Every domain's models, imported together so migrations see the whole schema."""
from storefront.accounts.models import User  # noqa: F401
from storefront.catalog.models import (  # noqa: F401
    Area,
    CatalogueVersion,
    Evaluation,
    Producer,
    Product,
    ProductPhoto,
    TraceEvent,
    TraceLot,
)
from storefront.search.models import SearchChange  # noqa: F401
from storefront.mail.models import OutboxMessage  # noqa: F401
from storefront.outlets.models import Outlet, OutletEarlierOpening, StockLevel, StockMove, outlet_managers  # noqa: F401
from storefront.sales.models import PosSale, SaleLine  # noqa: F401
from storefront.orders.models import CartItem, Order, OrderEvent, OrderLine  # noqa: F401
from storefront.payments.models import PaymentReview, StripeEvent  # noqa: F401
from storefront.reports.models import Baseline, DeclaredRevenue  # noqa: F401
from storefront.plans.models import Plan, PlanIndicator, ScheduledReevaluation  # noqa: F401
from storefront.audit.models import AuditEntry  # noqa: F401
