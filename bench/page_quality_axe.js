// axe-core in Chromium (phone viewport) on public pages and on the manager's and staff's pages,
// signed in with the demo accounts of `flask seed demo`. Prints serious/critical violations.
// Usage (from bench/page_quality.sh): node page_quality_axe.js BASE PRODUCT_PATH TRACE_PATH
const puppeteer = require("puppeteer-core");
const axeSource = require("axe-core").source;

const [base, productPath, tracePath] = process.argv.slice(2);
const PASSWORD = "ocop-demo-2026";
const journeys = [
  [null, ["/", "/products", productPath, tracePath, "/outlets", "/cart", "/login", "/register"]],
  ["customer@ocop.example", ["/orders", "/account"]],
  ["manager@ocop.example", ["/manage/"]],  // the outlet's pages are found from there
  ["staff@ocop.example", ["/admin/", "/admin/products", "/admin/producers", "/admin/outlets", "/admin/reports/growth",
                          "/admin/plans", "/admin/imports", "/admin/audit", "/admin/watchlist",
                          "/admin/dashboard", "/admin/dashboard/national", "/admin/outlets/coverage", "/admin/declared"]],
];
const MANAGER_PAGES = ["", "pos", "pos/day", "pos/sales", "orders", "receive", "adjust", "transfer", "stock-take"];

async function audit(page, url) {
  const response = await page.goto(url, { waitUntil: "networkidle0" });
  await page.addScriptTag({ content: axeSource });  // CSP: run via the devtools protocol, not page script
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const path = url.replace(base, "");
  const landed = page.url() === url ? "" : ` (shown ${page.url().replace(base, "")})`;
  console.log(`${String(response && response.status()).padEnd(4)} ${(path + landed).padEnd(40)} ${bad.length ? bad.map((v) => `${v.id}(${v.nodes.length})`).join(" ") : "none"}`);
  return bad.length;
}

(async () => {
  const browser = await puppeteer.launch({ executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless=new", "--disable-gpu"] });
  let total = 0;
  for (const [email, paths] of journeys) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setBypassCSP(true);  // axe is injected from outside; the app's own CSP stays as served
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    if (email) {
      await page.goto(base + "/login", { waitUntil: "networkidle0" });
      await page.type("input[name=email]", email);
      await page.type("input[name=password]", PASSWORD);
      await Promise.all([page.waitForNavigation({ waitUntil: "networkidle0" }), page.keyboard.press("Enter")]);
      if (page.url().includes("/login")) throw new Error(`could not sign in as ${email}`);
    }
    for (const path of paths) total += await audit(page, base + path);
    if (email === "manager@ocop.example") {
      // One outlet goes straight to its stock; several are listed, and the first is taken.
      const first = await page.evaluate(() => [...document.querySelectorAll("main a[href^='/manage/']")]
        .map((a) => a.getAttribute("href")).find((href) => /^\/manage\/[^/]+\/$/.test(href)) || "");
      const outlet = (page.url().match(/\/manage\/([^/]+)\/$/) || first.match(/\/manage\/([^/]+)\//));
      if (outlet) for (const sub of MANAGER_PAGES) total += await audit(page, `${base}/manage/${outlet[1]}/${sub}`);
    }
    await context.close();
  }
  await browser.close();
  console.log(`serious or critical violations in all: ${total}`);
  process.exit(total ? 1 : 0);
})();
