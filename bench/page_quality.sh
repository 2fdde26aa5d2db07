#!/usr/bin/env bash
# Lighthouse (mobile settings) and axe-core against a running demo server, the way issue 14
# measures page quality. Start the server first, on a database seeded with `flask seed demo`:
#   PYTHONPATH=. flask --app storefront seed demo && PYTHONPATH=. flask --app storefront run -p 5055
# then: bench/page_quality.sh [BASE_URL]      (default http://127.0.0.1:5055)
# Needs node/npm and Debian's chromium; lighthouse, axe-core and puppeteer-core are installed
# with npm into $NODE_DIR (default ~/.cache/ocop-page-quality) the first time.
set -euo pipefail
BASE="${1:-http://127.0.0.1:5055}"
NODE_DIR="${NODE_DIR:-$HOME/.cache/ocop-page-quality}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
OUT="${OUT:-/tmp/ocop-page-quality}"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$NODE_DIR" "$OUT"
if [ ! -x "$NODE_DIR/node_modules/.bin/lighthouse" ] || [ ! -d "$NODE_DIR/node_modules/axe-core" ]; then
  (cd "$NODE_DIR" && [ -f package.json ] || npm init -y >/dev/null) 
  (cd "$NODE_DIR" && npm install --no-audit --no-fund lighthouse@12 axe-core@4 puppeteer-core@23 >/dev/null)
fi

# A product, one of its lots and nothing else is looked up: from the public API.
product=$(curl -fsS "$BASE/api/v1/products?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')
lot=$(curl -fsS "$BASE/api/v1/products?per_page=50" | python3 -c '
import json, sys, urllib.request
for item in json.load(sys.stdin)["items"]:
    detail = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/products/" + item["slug"]))
    if detail.get("lots"):
        print(detail["lots"][0]["lot_code"]); break' "$BASE")

echo "Lighthouse, mobile settings ($(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-28s %5s %5s %5s %5s\n' page perf a11y bp seo
for path in "/" "/products" "/products/$product" "/trace/$lot" "/outlets" "/cart" "/login"; do
  name=$(echo "$path" | tr '/' '_')
  "$NODE_DIR/node_modules/.bin/lighthouse" "$BASE$path" --quiet --output=json --output-path="$OUT/lh$name.json" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null 2>&1 || { echo "$path: lighthouse failed"; continue; }
  python3 - "$OUT/lh$name.json" "$path" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = [round(100 * (report["categories"][key]["score"] or 0)) for key in ("performance", "accessibility", "best-practices", "seo")]
print(f"{sys.argv[2][:28]:<28} " + " ".join(f"{score:>5}" for score in scores))
PY
done

echo
echo "axe-core: serious and critical violations per page (signed-in pages included)"
NODE_PATH="$NODE_DIR/node_modules" node "$HERE/page_quality_axe.js" "$BASE" "/products/$product" "/trace/$lot"
