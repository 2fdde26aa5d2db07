"""A sheet of QR labels for a lot's packages, as SVG and as PDF (fpdf2, with a Unicode font for
Vietnamese names): each label carries the QR code of /trace/<lot code>, the lot code and the
product's name. The layout is the common A4 sheet of 3 × 8 labels of 70 × 37 mm."""
from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from markupsafe import escape

from storefront.catalog.models import TraceLot
from storefront.catalog.services import lot_url

PAGE_WIDTH, PAGE_HEIGHT = 210, 297  # mm
COLUMNS, ROWS = 3, 8
LABEL_WIDTH, LABEL_HEIGHT = PAGE_WIDTH / COLUMNS, PAGE_HEIGHT / ROWS
PADDING = 3
QR_SIZE = LABEL_HEIGHT - 2 * PADDING
TEXT_X = PADDING + QR_SIZE + 1  # from the label's left edge
TEXT_WIDTH = LABEL_WIDTH - TEXT_X - PADDING
NAME_CHARS = 18  # per line of the name at the size used, and at most three lines
QUIET_ZONE = 2  # modules of white around the code, which scanners need to find it
MAX_SHEETS = 10
FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans.ttf"


@dataclass(frozen=True)
class Sheet:
    lot_code: str
    product_name: str
    url: str
    labels: int

    @property
    def name_lines(self) -> list[str]:
        return textwrap.wrap(self.product_name, NAME_CHARS, max_lines=3, placeholder="…")

    def positions(self) -> list[tuple[int, float, float]]:
        """(page, x, y) of each label's top-left corner, in mm, row by row."""
        per_page = COLUMNS * ROWS
        return [
            (n // per_page, (n % COLUMNS) * LABEL_WIDTH, (n % per_page // COLUMNS) * LABEL_HEIGHT)
            for n in range(self.labels)
        ]


def label_sheet(lot: TraceLot, *, labels: int = COLUMNS * ROWS) -> Sheet:
    labels = min(max(labels, 1), MAX_SHEETS * COLUMNS * ROWS)
    return Sheet(lot.lot_code, lot.product.name_vi, lot_url(lot), labels)


def sheet_svg(sheet: Sheet) -> str:
    """Every label on one A4-wide SVG (taller when there are more than 24), sized in mm."""
    qr = segno.make(sheet.url, error="m").svg_inline(border=QUIET_ZONE, omitsize=True)
    pages = sheet.positions()[-1][0] + 1
    height = PAGE_HEIGHT * pages
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_WIDTH}mm" height="{height}mm" '
        f'viewBox="0 0 {PAGE_WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title>{escape(sheet.lot_code)}</title>",
    ]
    for page, x, y in sheet.positions():
        y += page * PAGE_HEIGHT
        placed = qr.replace("<svg ", f'<svg x="{x + PADDING:.2f}" y="{y + PADDING:.2f}" '
                                    f'width="{QR_SIZE:.2f}" height="{QR_SIZE:.2f}" ', 1)
        parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{LABEL_WIDTH:.2f}" height="{LABEL_HEIGHT:.2f}" '
                     f'fill="none" stroke="#bbb" stroke-width="0.2" stroke-dasharray="1 1"/>')
        parts.append(placed)
        text_x = x + TEXT_X
        parts.append(f'<text x="{text_x:.2f}" y="{y + PADDING + 4:.2f}" font-size="3.6" '
                     f'font-weight="bold">{escape(sheet.lot_code)}</text>')
        for n, line in enumerate(sheet.name_lines):
            parts.append(f'<text x="{text_x:.2f}" y="{y + PADDING + 10 + n * 4:.2f}" font-size="2.9">'
                         f"{escape(line)}</text>")
    parts.append("</svg>")
    return "\n".join(parts)


def sheet_pdf(sheet: Sheet) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_title(f"{sheet.lot_code} — {sheet.product_name}")
    qr_png = io.BytesIO()
    segno.make(sheet.url, error="m").save(qr_png, kind="png", scale=10, border=QUIET_ZONE)
    page_shown = -1
    for page, x, y in sheet.positions():
        if page != page_shown:
            pdf.add_page()
            page_shown = page
        qr_png.seek(0)
        pdf.image(qr_png, x=x + PADDING, y=y + PADDING, w=QR_SIZE, h=QR_SIZE)
        pdf.set_xy(x + TEXT_X, y + PADDING + 1)
        pdf.set_font("DejaVu", size=10)
        pdf.cell(TEXT_WIDTH, 5, sheet.lot_code)
        pdf.set_font("DejaVu", size=8)
        for n, line in enumerate(sheet.name_lines):
            pdf.set_xy(x + TEXT_X, y + PADDING + 8 + n * 3.8)
            pdf.cell(TEXT_WIDTH, 3.6, line)
    return bytes(pdf.output())
