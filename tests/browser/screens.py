"""Each journey saves a screenshot of its last page, outside git, for a person to look at."""
import os
from pathlib import Path

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/ocop-screenshots"))


def save_screenshot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fits_the_screen(page) -> bool:
    """Nothing on the page needs sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def tables_fit_the_screen(page) -> list[str]:
    """Tables that would need sideways scrolling (in their own box or the page's); [] if none."""
    return page.evaluate("""() => [...document.querySelectorAll("main table")]
        .filter((table) => table.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((table) => table.className || table.querySelector("th")?.textContent.trim() || "table")""")


def enhanced(page, selector: str):
    """The element once its page script has attached to it (the script marks it data-enhanced).
    A click that comes sooner, as it can right after a navigation, does what it does without
    JavaScript: the add-to-cart form, say, posts and the cart page opens."""
    return page.locator(f"{selector}[data-enhanced]")
