from storefront.catalog import bp

@bp.get("/")
def home():
    return "ok"
