"""ingest.extract on inputs generated here: every format, the limits, and hostile archives."""

from __future__ import annotations

import io
import random
import signal
import time
import zipfile

import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.extract import (
    STATUS_EMPTY,
    STATUS_ENCRYPTED,
    STATUS_FAILED,
    STATUS_OK,
    STATUS_PARTIAL,
    STATUS_UNSUPPORTED,
    ArchiveRefused,
    Limits,
    extract,
    safe_member_name,
    sniff,
    unpack_zip,
)
from ingest.extract.markup import decode_text, html_to_text
from ingest.extract.pdf import render_scale
from ingest.extract.pool import death_reason as _death_reason

fpdf = pytest.importorskip("fpdf", reason="fpdf2 (test dependency) makes the PDFs these tests read")

# OCR at 150 dpi: plenty for the 40-pixel type drawn below and four times faster than 300 dpi.
FAST = Limits(ocr_dpi=150, wall_seconds=120)


# ---- generated inputs ------------------------------------------------------------------------


def text_pdf(path, pages, **encryption):
    """A PDF with a real text layer, one string per page."""
    doc = fpdf.FPDF()
    doc.set_font("Helvetica", size=12)
    for body in pages:
        doc.add_page()
        doc.multi_cell(0, 8, body)
    if encryption:
        doc.set_encryption(**encryption)
    doc.output(str(path))
    return path


def scan_image(words, size=(1275, 1650)):
    """A white 'scanned page' (150 dpi letter) with large black words and no text layer."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for i, line in enumerate(words):
        draw.text((100, 120 + i * 80), line, fill=0, font=font)
    return image


def scan_pdf(path, pages):
    """An image-only PDF, one rendered page per list of lines."""
    images = [scan_image(lines) for lines in pages]
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return path


def mixed_pdf(path):
    """Three pages: a text layer, a scanned image with no text, a text layer."""
    doc = fpdf.FPDF()
    doc.set_font("Helvetica", size=12)
    doc.add_page()
    doc.multi_cell(0, 8, "First page text layer about subpoenas")
    doc.add_page()
    doc.image(scan_image(["SCANNED MIDDLE PAGE"]), x=0, y=0, w=210)
    doc.add_page()
    doc.multi_cell(0, 8, "Third page text layer about retention")
    doc.output(str(path))
    return path


def docx_file(path):
    """A Word file with a heading, a table and a hard page break."""
    import docx
    from docx.enum.text import WD_BREAK

    doc = docx.Document()
    doc.add_heading("Records Access Officer", level=1)
    doc.add_paragraph("First page about subpoenas.")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Exemption"
    table.rows[0].cells[1].text = "87(2)(e)"
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("Second page about retention schedules.")
    doc.save(path)
    return path


def xlsx_file(path):
    """A workbook with two sheets."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Requests"
    book.active.append(["FOIL-2023-056-11528", "granted", 12])
    other = book.create_sheet("Appeals")
    other.append(["appeal", None, "denied"])
    book.save(path)
    return path


def odt_file(path):
    """An OpenDocument text with a heading and two paragraphs."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Determination letter"))
    doc.text.addElement(P(text="Your request is granted in part."))
    doc.text.addElement(P(text="Appeal within thirty days."))
    doc.save(str(path))
    return path


def zip_bytes(members):
    """A zip (deflated) from a {name: bytes} mapping."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# ---- sniffing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"%PDF-1.7\n1 0 obj<<>>endobj\n", "mail.bin", "application/pdf"),
        (b"\r\n\r\ngarbage before the header %PDF-1.4\n", None, "application/pdf"),
        (b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", "x.pdf", "text/html"),
        (b"Dear Records Access Officer,\nplease send.\n", "letter.pdf", "text/plain"),
        (b"", "empty.pdf", "application/x-empty"),
        (zip_bytes({"a.txt": b"hello"}), "records.docx", "application/zip"),
        (b"PK\x03\x04 this is not really a zip", "report.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"PK\x03\x04 this is not really a zip", "report.zip", "application/zip"),
    ],
)  # fmt: skip
def test_sniff_judges_content_not_name(data, filename, expected):
    assert sniff(data, filename) == expected


def test_sniff_office_and_images(tmp_path):
    image = tmp_path / "scan.bin"
    scan_image(["x"]).save(image, "PNG")
    assert sniff(docx_file(tmp_path / "a.bin")).endswith("wordprocessingml.document")
    assert sniff(xlsx_file(tmp_path / "b.bin")).endswith("spreadsheetml.sheet")
    assert sniff(odt_file(tmp_path / "c.bin")) == "application/vnd.oasis.opendocument.text"
    assert sniff(image) == "image/png"
    # A DOCX re-packed with its parts in another order is still a DOCX, whatever its name.
    with zipfile.ZipFile(tmp_path / "a.bin") as zf:
        parts = {name: zf.read(name) for name in reversed(zf.namelist())}
    (tmp_path / "d.zip").write_bytes(zip_bytes(parts))
    assert sniff(tmp_path / "d.zip").endswith("wordprocessingml.document")


# ---- PDFs -------------------------------------------------------------------------------------


def test_text_pdf_pages(tmp_path):
    path = text_pdf(tmp_path / "t.pdf", ["Alpha subpoena ledger", "Bravo retention schedule", "Charlie"])
    result = extract(path)
    assert (result.status, result.error, result.media_type) == (STATUS_OK, None, "application/pdf")
    assert result.page_count == 3
    assert [p.number for p in result.pages] == [1, 2, 3]
    assert "subpoena ledger" in result.pages[0].text
    assert "retention schedule" in result.pages[1].text
    assert not any(p.ocr for p in result.pages)
    assert not result.encrypted


def test_scanned_pdf_is_ocrd_page_by_page(tmp_path):
    path = scan_pdf(
        tmp_path / "s.pdf", [["NOTICE OF APPEAL", "Records withheld"], ["Second page", "TELEPHONE"]]
    )
    result = extract(path, limits=FAST)
    assert result.status == STATUS_OK, result.error
    assert [p.ocr for p in result.pages] == [True, True]
    assert "NOTICE OF APPEAL" in result.pages[0].text
    assert "TELEPHONE" in result.pages[1].text


def test_only_pages_without_text_are_ocrd(tmp_path):
    result = extract(mixed_pdf(tmp_path / "m.pdf"), limits=FAST)
    assert result.status == STATUS_OK, result.error
    assert [p.ocr for p in result.pages] == [False, True, False]
    assert "SCANNED MIDDLE PAGE" in result.pages[1].text


def test_ocr_can_be_turned_off(tmp_path):
    path = scan_pdf(tmp_path / "s.pdf", [["NOTICE OF APPEAL"]])
    result = extract(path, limits=Limits(ocr=False))
    assert result.status == STATUS_EMPTY
    assert result.pages[0].text.strip() == ""


def test_encrypted_pdf_with_empty_user_password_opens(tmp_path):
    path = text_pdf(tmp_path / "e.pdf", ["Sealed but readable"], owner_password="owner", user_password="")
    result = extract(path)
    assert result.status == STATUS_OK, result.error
    assert result.encrypted
    assert "Sealed but readable" in result.pages[0].text


def test_encrypted_pdf_with_a_password_is_reported(tmp_path):
    path = text_pdf(tmp_path / "e.pdf", ["Secret"], owner_password="owner", user_password="hunter2")
    result = extract(path)
    assert (result.status, result.encrypted) == (STATUS_ENCRYPTED, True)
    assert "password" in result.error
    assert result.pages == []


def test_too_many_pages_is_refused(tmp_path):
    path = text_pdf(tmp_path / "t.pdf", ["one", "two", "three"])
    result = extract(path, limits=Limits(max_pages=2))
    assert (result.status, result.page_count) == (STATUS_FAILED, 3)
    assert result.error.startswith("too many pages")


@pytest.mark.parametrize(
    ("data", "status", "error_start"),
    [
        (b"", STATUS_FAILED, "corrupt: empty file"),
        (b"%PDF-1.4\n%%EOF\n", STATUS_FAILED, "corrupt:"),
        (b"%PDF-1.4\n" + b"[" * 200_000, STATUS_FAILED, "corrupt:"),
        (b"\x00\x01\x02\x03" * 100, STATUS_UNSUPPORTED, "unsupported: application/octet-stream"),
    ],
)
def test_broken_inputs_end_with_a_reason(tmp_path, data, status, error_start):
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    result = extract(path)
    assert result.status == status
    assert result.error.startswith(error_start), result.error


def test_missing_file_is_a_result_not_an_exception(tmp_path):
    result = extract(tmp_path / "nope.pdf")
    assert result.status == STATUS_FAILED
    assert result.error.startswith("unreadable:")


# ---- limits: wall clock, memory, CPU ----------------------------------------------------------


def test_wall_clock_timeout_kills_the_child(tmp_path):
    path = scan_pdf(tmp_path / "s.pdf", [["slow page"]] * 12)  # seconds of OCR, even in a warm child
    started = time.monotonic()
    result = extract(path, limits=Limits(wall_seconds=1.0))
    assert time.monotonic() - started < 5
    assert result.status in (STATUS_FAILED, STATUS_PARTIAL)
    assert result.error == "timeout"


def test_memory_limit_is_reported(tmp_path):
    path = scan_pdf(tmp_path / "s.pdf", [["MEMORY"]])
    # A letter page at 1200 dpi is a 134-megapixel bitmap: more than 120 MB of address space allows.
    limits = Limits(memory_mb=120, ocr_dpi=1200, max_pixels=400_000_000)
    result = extract(path, limits=limits)
    assert (result.status, result.error) == (STATUS_FAILED, "page 1: memory limit")


def test_cpu_limit_stops_ocr(tmp_path):
    # A page full of text lines, so that reading it takes tesseract several CPU seconds on any machine.
    path = scan_pdf(tmp_path / "s.pdf", [[f"CPU bound line {n} of the scanned page" for n in range(40)]])
    # tesseract is bounded by the CPU budget (its inherited RLIMIT_CPU and a timeout of as many
    # seconds): one second is not enough for a 600 dpi letter page.
    result = extract(path, limits=Limits(cpu_seconds=1, ocr_dpi=600))
    assert (result.status, result.error[:7]) == (STATUS_FAILED, "page 1:"), result.error
    assert result.pages[0].text == ""


def test_child_killed_on_a_page_is_resumed_after_it(tmp_path):
    # Rendering page 2 at 2400 dpi needs more than the one CPU second allowed: the kernel kills the
    # child (SIGXCPU) mid-page; a fresh child reads page 3, and page 2 is recorded as failed.
    limits = Limits(cpu_seconds=1, ocr_dpi=2400, max_pixels=600_000_000)
    result = extract(mixed_pdf(tmp_path / "m.pdf"), limits=limits)
    assert (result.status, result.error) == (STATUS_PARTIAL, "page 2: cpu limit")
    assert [p.number for p in result.pages] == [1, 2, 3]
    assert "subpoenas" in result.pages[0].text and "retention" in result.pages[2].text
    assert result.pages[1].text == ""


@pytest.mark.parametrize(
    ("returncode", "stderr", "expected"),
    [
        (-signal.SIGSEGV, "", "crashed (SIGSEGV)"),
        (-signal.SIGXCPU, "", "cpu limit"),
        (-signal.SIGABRT, "terminate called after throwing an instance of 'std::bad_alloc'", "memory limit"),
        (1, "Traceback...\nMemoryError", "memory limit"),
        (-signal.SIGKILL, "", "crashed (killed: cpu or memory limit)"),
        (3, "boom\nlast words", "crashed (exit 3: last words)"),
    ],
)
def test_death_reasons(returncode, stderr, expected):
    assert _death_reason(returncode, stderr) == expected


@pytest.mark.parametrize(
    ("width", "height", "dpi", "max_pixels", "expected"),
    [
        (612, 792, 300, 40_000_000, 300 / 72),  # letter at 300 dpi: 8.4 MP, under the limit
        (8400, 8400, 300, 40_000_000, (40_000_000 / 8400**2) ** 0.5),  # 35000 px square: shrunk
        (2160, 2160, 300, 40_000_000, (40_000_000 / 2160**2) ** 0.5),
        (0, 0, 300, 40_000_000, 300 / 72),  # degenerate page: no division by zero
    ],
)
def test_render_scale_respects_pixel_limit(width, height, dpi, max_pixels, expected):
    scale = render_scale(width, height, dpi, max_pixels)
    assert scale == pytest.approx(expected)
    assert max(width, 1) * max(height, 1) * scale * scale <= max_pixels * 1.0001


# ---- other formats ----------------------------------------------------------------------------


def test_docx_splits_on_page_breaks(tmp_path):
    result = extract(docx_file(tmp_path / "d.docx"))
    assert result.status == STATUS_OK, result.error
    assert len(result.pages) == 2
    assert "Records Access Officer" in result.pages[0].text
    assert "87(2)(e)" in result.pages[0].text
    assert "retention schedules" in result.pages[1].text


def test_xlsx_one_page_per_sheet(tmp_path):
    result = extract(xlsx_file(tmp_path / "x.xlsx"))
    assert result.status == STATUS_OK, result.error
    assert [p.text.splitlines()[0] for p in result.pages] == ["Requests", "Appeals"]
    assert "FOIL-2023-056-11528\tgranted\t12" in result.pages[0].text
    assert "appeal\t\tdenied" in result.pages[1].text


def test_odt(tmp_path):
    result = extract(odt_file(tmp_path / "o.odt"))
    assert result.status == STATUS_OK, result.error
    assert result.pages[0].text.splitlines() == [
        "Determination letter",
        "Your request is granted in part.",
        "Appeal within thirty days.",
    ]


def test_html_is_stripped_to_visible_text(tmp_path):
    path = tmp_path / "m.html"
    path.write_bytes(
        b"<html><head><meta charset='windows-1252'><title>t</title><style>p{}</style></head><body>"
        b"<script>alert('x')</script><p>Caf\xe9 &amp; records</p><div>Second&nbsp;line</div></body></html>"
    )
    result = extract(path)
    assert result.status == STATUS_OK
    assert result.pages[0].text == "Caf\u00e9 & records\n\nSecond line"


def test_plain_text_in_latin1(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("Se\u00f1or, the r\u00e9sum\u00e9 is attached.\n".encode("latin-1"))
    result = extract(path)
    assert result.status == STATUS_OK
    assert "r\u00e9sum\u00e9" in result.pages[0].text


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("caf\u00e9".encode(), None, "caf\u00e9"),
        ("caf\u00e9".encode("cp1252"), None, "caf\u00e9"),
        ("\u201cquoted\u201d".encode("cp1252"), None, "\u201cquoted\u201d"),
        ("bom".encode("utf-16"), None, "bom"),
        (b"\x81\x8d", None, "\x81\x8d"),  # undefined in cp1252: latin-1 keeps the bytes
        ("caf\u00e9".encode("latin-1"), "no-such-charset", "caf\u00e9"),
    ],
)
def test_decode_text_never_fails(data, declared, expected):
    assert decode_text(data, declared) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("x<br>y", "x\ny"),
        ("<table><tr><td>k</td><td>v</td></tr></table>", "k v"),
        ("<style>.a{}</style><noscript>n</noscript>seen", "seen"),
        ("&lt;tag&gt; &#169; &copy;", "<tag> \u00a9 \u00a9"),
    ],
)
def test_html_to_text(html, expected):
    assert html_to_text(html) == expected


def test_png_and_multipage_tiff_are_ocrd(tmp_path):
    png = tmp_path / "p.png"
    scan_image(["RECEIPT ACKNOWLEDGED"]).save(png)
    result = extract(png, limits=FAST)
    assert result.status == STATUS_OK, result.error
    assert result.pages[0].ocr and "RECEIPT" in result.pages[0].text

    tiff = tmp_path / "t.tiff"
    first, second = scan_image(["FIRST SHEET"]), scan_image(["SECOND SHEET"])
    first.save(tiff, save_all=True, append_images=[second])
    result = extract(tiff, limits=FAST)
    assert result.status == STATUS_OK, result.error
    assert result.page_count == 2
    assert "FIRST" in result.pages[0].text and "SECOND" in result.pages[1].text


def test_unknown_binary_is_unsupported(tmp_path):
    path = tmp_path / "x.exe"
    path.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 4)
    result = extract(path)
    assert result.status == STATUS_UNSUPPORTED
    assert result.error.startswith("unsupported: ")


# ---- zip archives -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "etc/passwd"),
        ("/abs/path.txt", "abs/path.txt"),
        ("C:\\Users\\clerk\\letter.docx", "C_/Users/clerk/letter.docx"),
        ("a/./b/../c.txt", "a/b/c.txt"),
        ("bad\x00name\n.pdf", "bad_name_.pdf"),
        ("....", "unnamed"),
    ],
)
def test_safe_member_name(name, expected):
    assert safe_member_name(name) == expected


def test_zip_members_unpacked_by_hash_and_nested_zips_expanded(tmp_path):
    inner = zip_bytes({"inner.txt": b"deep"})
    path = tmp_path / "a.zip"
    path.write_bytes(zip_bytes({"../evil.txt": b"x", "docs/letter.txt": b"hello", "more.zip": inner}))
    folder = tmp_path / "out"
    folder.mkdir()
    members = {m.name: m for m in unpack_zip(path, folder, Limits())}
    assert sorted(members) == ["docs/letter.txt", "evil.txt", "more.zip/inner.txt"]
    for member in members.values():
        assert (folder / member.sha256).read_bytes() in (b"x", b"hello", b"deep")
    assert sorted(p.name for p in folder.iterdir()) == sorted(m.sha256 for m in members.values())
    result = extract(path)
    assert result.status == STATUS_OK
    assert sorted((m.name, m.size) for m in result.members) == [
        ("docs/letter.txt", 5), ("evil.txt", 1), ("more.zip/inner.txt", 4)
    ]


def test_zip_nested_deeper_than_the_limit_is_refused_whole(tmp_path):
    data = zip_bytes({"core.txt": b"core"})
    for level in range(2):
        data = zip_bytes({f"level{level}.zip": data, f"note{level}.txt": f"note {level}".encode()})
    folder = tmp_path / "out"
    folder.mkdir()
    assert len(unpack_zip(data_file(tmp_path, data), folder, Limits(zip_max_depth=3))) == 3
    data = zip_bytes({"level2.zip": data})
    with pytest.raises(ArchiveRefused, match="nested deeper than 3 levels"):
        unpack_zip(data_file(tmp_path, data), folder, Limits(zip_max_depth=3))
    result = extract(data_file(tmp_path, data), unpack_dir=folder, limits=Limits(zip_max_depth=3))
    assert (result.status, result.members) == (STATUS_FAILED, [])
    assert "nested deeper than 3 levels" in result.error
    assert len(list(folder.iterdir())) == 3  # only what the first, accepted unpacking left


def data_file(tmp_path, data: bytes):
    """``data`` written to a file in ``tmp_path`` named by its length and return its path."""
    path = tmp_path / f"archive-{len(data)}.zip"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("members", "limits", "reason"),
    [
        ({"zeros.bin": b"\0" * (30 << 20)}, Limits(), "zip bomb"),
        ({f"f{i}.txt": b"x" for i in range(50)}, Limits(zip_max_members=20), "too many members"),
        ({"a.bin": random.Random(1).randbytes(2 << 20), "b.bin": random.Random(2).randbytes(2 << 20)},
         Limits(zip_max_total_mb=3), "uncompressed size over 3 MB"),
    ],
)  # fmt: skip
def test_zip_bombs_are_refused_by_size(tmp_path, members, limits, reason):
    data = zip_bytes(members)
    (tmp_path / "out").mkdir()
    with pytest.raises(ArchiveRefused, match=reason):
        unpack_zip(data_file(tmp_path, data), tmp_path / "out", limits)
    assert list((tmp_path / "out").iterdir()) == []
    path = tmp_path / "bomb.zip"
    path.write_bytes(data)
    result = extract(path, limits=limits)
    assert result.status == STATUS_FAILED
    assert reason in result.error


def test_docx_bomb_is_refused(tmp_path):
    docx_path = docx_file(tmp_path / "d.docx")
    with zipfile.ZipFile(docx_path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts["word/media/padding.bin"] = b"\0" * (30 << 20)
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(zip_bytes(parts))
    result = extract(bomb)
    assert result.status == STATUS_FAILED
    assert "zip bomb" in result.error
