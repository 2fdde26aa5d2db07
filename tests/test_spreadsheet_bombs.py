"""Small XLSX files that would hold a worker for minutes or take gigabytes of memory are refused
by every upload page, before openpyxl opens them or as soon as they pass the line limit."""
import io
import struct
import zlib
from functools import cache

import openpyxl
import pytest
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storefront.outlets.services import assign_outlets
from storefront.spreadsheets import XLSX_PARTS, FileRejected, read_rows, xlsx_styles
from tests.factories import make_outlet

pytestmark = pytest.mark.usefixtures("in_english")

MB = 1024 * 1024
WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
SHEET = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>'
SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
STRINGS_RELATION = (
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


class Part:
    """A zip member as a raw deflate stream: `repeat` copies of `middle` between `start` and
    `end`, compressed once and repeated (a full flush makes each copy's bytes the same), so a
    gigabyte of content costs a fraction of a second to build."""

    def __init__(self, start: bytes, middle: bytes = b"", repeat: int = 0, end: bytes = b""):
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = packer.compress(start) + packer.flush(zlib.Z_FULL_FLUSH)
        body = packer.compress(middle) + packer.flush(zlib.Z_FULL_FLUSH) if repeat else b""
        self.packed = head + body * repeat + packer.compress(end) + packer.flush()
        self.size = len(start) + len(middle) * repeat + len(end)
        crc = zlib.crc32(start)
        for _ in range(repeat):
            crc = zlib.crc32(middle, crc)
        self.crc = zlib.crc32(end, crc)


def zip_of(parts: dict[str, Part]) -> bytes:
    """A plain zip archive (no zip64: every part is under 4 GB)."""
    local, central = b"", b""
    for name, part in parts.items():
        encoded = name.encode()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0, part.crc, len(part.packed), part.size)
        central += (struct.pack("<IH", 0x02014B50, 20) + fields
                    + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, len(local)) + encoded)
        local += struct.pack("<I", 0x04034B50) + fields + struct.pack("<HH", len(encoded), 0) + encoded + part.packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(local), 0)
    return local + central + end


def workbook(sheet: Part, extra: dict[str, Part] | None = None) -> bytes:
    parts = {name: Part(text.encode()) for name, text in XLSX_PARTS.items()}
    if extra:  # the shared strings: declared in the content types and the workbook's relations
        parts["[Content_Types].xml"] = Part(XLSX_PARTS["[Content_Types].xml"].replace("</Types>", SHARED_STRINGS_TYPE).encode())
        parts["xl/_rels/workbook.xml.rels"] = Part(
            XLSX_PARTS["xl/_rels/workbook.xml.rels"].replace("</Relationships>", STRINGS_RELATION).encode())
    parts["xl/workbook.xml"] = Part(WORKBOOK.encode())
    parts["xl/styles.xml"] = Part(xlsx_styles([]).encode())
    parts["xl/worksheets/sheet1.xml"] = sheet
    return zip_of(parts | (extra or {}))


def one_cell_at_row(row: int, dimension: bool) -> bytes:
    """The header, then a single cell fifty million rows down: 1.8 KB."""
    rows = (f'<row r="1"><c r="A1" t="inlineStr"><is><t>product_code</t></is></c>'
            f'<c r="B1" t="inlineStr"><is><t>counted</t></is></c></row>'
            f'<row r="{row}"><c r="A{row}"><v>1</v></c></row>')
    ref = f'<dimension ref="A1:B{row}"/>' if dimension else ""
    return workbook(Part(SHEET.format(dimension=ref, rows=rows).encode()))


@cache
def gigabyte_of_whitespace() -> bytes:
    """About 1 MB that unpacks to a 1 GB worksheet, nearly all spaces between two rows."""
    start, end = SHEET.format(dimension="", rows="").split("</sheetData>")
    return workbook(Part(start.encode(), b" " * (16 * MB), 64, ("</sheetData>" + end).encode()))


@cache
def huge_shared_string() -> bytes:
    """About 400 KB whose one shared string is 400 MB, used by the sheet's first cell."""
    sheet = Part(SHEET.format(dimension="", rows='<row r="1"><c r="A1" t="s"><v>0</v></c></row>').encode())
    strings = Part(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
                   b"<si><t>", b"a" * (16 * MB), 25, b"</t></si></sst>")
    return workbook(sheet, {"xl/sharedStrings.xml": strings})


BOMBS = {
    "a cell at row 50,000,000": (lambda: one_cell_at_row(50_000_000, dimension=False), "more than"),
    "the same, its dimensions declared": (lambda: one_cell_at_row(50_000_000, dimension=True), "more than"),
    "1 GB of whitespace": (gigabyte_of_whitespace, "packed far more tightly"),
    "a 400 MB shared string": (huge_shared_string, "packed far more tightly"),
}


@pytest.mark.parametrize("bomb", BOMBS, ids=list(BOMBS))
def test_the_reader_refuses_a_bomb_before_reading_it(app, bomb):
    make, message = BOMBS[bomb]
    data = make()
    assert len(data) < 2 * MB

    # Unchecked, each of these holds a worker for minutes or takes gigabytes of memory.
    with force_locale("en"), pytest.raises(FileRejected) as refused:
        read_rows(filename="count.xlsx", data=data, max_bytes=2 * MB, max_lines=5_000)

    assert message in str(refused.value)


def test_the_bombs_are_workbooks_openpyxl_would_read():
    """The files really are what they claim: without the checks openpyxl walks into them."""
    sheet = openpyxl.load_workbook(io.BytesIO(one_cell_at_row(50_000_000, dimension=True)), read_only=True).worksheets[0]
    assert sheet.max_row == 50_000_000
    rows = sheet.iter_rows(values_only=True)
    assert next(rows) == ("product_code", "counted") and next(rows) == (None, None)


def test_a_sheet_with_blank_lines_within_the_limit_is_still_read():
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>product_code</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>counted</t></is></c></row>'
            '<row r="9000"><c r="A9000" t="inlineStr"><is><t>NM-01</t></is></c><c r="B9000"><v>4</v></c></row>')
    data = workbook(Part(SHEET.format(dimension='<dimension ref="A1:B9000"/>', rows=rows).encode()))

    assert read_rows(filename="count.xlsx", data=data, max_bytes=2 * MB, max_lines=5_000) == [
        (1, ["product_code", "counted"]), (9000, ["NM-01", 4])]


UPLOADS = {
    "stock-take": "/manage/QN-A/stock-take",
    "baselines": "/admin/baselines/import",
    "declared revenue": "/admin/declared/import",
    "producers": "/admin/imports/producers",
    "products": "/admin/imports/products",
    "evaluations": "/admin/imports/evaluations",
}


@pytest.mark.parametrize("upload", UPLOADS, ids=list(UPLOADS))
@pytest.mark.parametrize("bomb", BOMBS, ids=list(BOMBS))
def test_every_upload_page_refuses_a_bomb_with_a_form_error(client, login_as, upload, bomb):
    if upload == "stock-take":
        make_outlet("QN-A")
        assign_outlets(user=login_as("manager"), codes=["QN-A"])
    else:
        login_as("staff")
    make, message = BOMBS[bomb]

    # Encoded up front: the test client would otherwise spool it to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(make()), "file.xlsx")})
    response = client.post(UPLOADS[upload], data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 200 and message in response.text
