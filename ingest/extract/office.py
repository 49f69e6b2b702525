"""DOCX (python-docx), XLSX (openpyxl) and ODT (odfpy) text, yielded as page events."""

from __future__ import annotations

from collections.abc import Iterator

from .result import Limits

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def pages_to_events(pages: list[str], limits: Limits) -> Iterator[dict]:
    """Meta plus one page event per string, refusing more than ``limits.max_pages`` pages."""
    yield {"event": "meta", "page_count": len(pages), "encrypted": False}
    if len(pages) > limits.max_pages:
        yield {"event": "fail", "status": "failed", "error": f"too many pages ({len(pages)})"}
        return
    for number, text in enumerate(pages, start=1):
        yield {"event": "page", "page": number, "text": text, "ocr": False}


def docx_pages(path: str) -> list[str]:
    """A Word document's text in reading order, split where the author put hard page breaks."""
    import docx

    body = docx.Document(path).element.body
    pages: list[list[str]] = [[]]
    for para in body.iter(f"{_W}p"):
        props = para.find(f"{_W}pPr")
        if props is not None and props.find(f"{_W}pageBreakBefore") is not None and pages[-1]:
            pages.append([])
        line: list[str] = []
        for node in para.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
            if node.tag == f"{_W}t":
                line.append(node.text or "")
            elif node.tag == f"{_W}tab":
                line.append("\t")
            elif node.get(f"{_W}type") == "page":
                pages[-1].append("".join(line))
                pages.append([])
                line = []
            else:
                line.append("\n")
        pages[-1].append("".join(line))
    return ["\n".join(lines).strip("\n") for lines in pages]


def xlsx_pages(path: str, max_cells: int = 2_000_000) -> list[str]:
    """One page per worksheet: rows as lines, cells separated by tabs (cached values, not formulas)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        pages = []
        cells = 0
        for sheet in book.worksheets:
            lines = [sheet.title]
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
                if cells > max_cells:
                    raise ValueError(f"more than {max_cells} cells")
                values = ["" if v is None else str(v) for v in row]
                while values and not values[-1]:
                    values.pop()
                if values:
                    lines.append("\t".join(values))
            pages.append("\n".join(lines))
        return pages
    finally:
        book.close()


def odt_pages(path: str) -> list[str]:
    """An OpenDocument text's headings and paragraphs as one page (ODT page breaks are styles)."""
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    wanted = {(TEXTNS, "p"), (TEXTNS, "h")}
    lines = []
    # Depth-first in document order; a paragraph's own text includes its nested spans and notes.
    stack = [load(path).text]
    while stack:
        node = stack.pop()
        if getattr(node, "qname", None) in wanted:
            lines.append(teletype.extractText(node))
            continue
        stack.extend(reversed(node.childNodes))
    return ["\n".join(lines)]
