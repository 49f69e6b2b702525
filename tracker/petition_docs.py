"""The Article 78 petition printed: a Word document (python-docx) to edit, and a PDF (the letters' PDF code).

Pure: takes the document model of `tracker.petition` and returns bytes. The PDF goes through
`tracker.letter_pdf.letter_pdf`, so it uses the same page, margins and fonts as every letter.
"""

from __future__ import annotations

import io

from tracker.letter_pdf import letter_pdf
from tracker.petition import PetitionDocument, as_text

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def petition_pdf(document: PetitionDocument, *, author: str = "") -> bytes:
    """The petition as a letter-size PDF: the court and county at the top, then the papers as drafted."""
    return letter_pdf(as_text(document), letterhead=document.court_lines, title=document.title, author=author)


def petition_docx(document: PetitionDocument, *, author: str = "") -> bytes:
    """The petition as a .docx: caption, numbered allegations, relief, verification and exhibit list."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = document.title
    doc.core_properties.author = author or "FOIL Tracker"
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)

    for note in document.notes:
        run = doc.add_paragraph().add_run(f"[Note for counsel, not for filing: {note}]")
        run.italic = True
    for line in document.court_lines:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        paragraph.add_run(line).bold = True
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    left, right = table.rows[0].cells
    left.text = "\n".join(document.caption[:-1])
    right.text = document.caption[-1]

    for block in document.blocks:
        if block.kind == "page_break":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif block.kind == "title":
            paragraph = doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(block.text).bold = True
        elif block.kind == "heading":
            paragraph = doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(block.text.upper()).bold = True
        elif block.kind == "allegation":
            # The number is written out, not a Word list: it survives copying between documents.
            paragraph = doc.add_paragraph(f"{block.number}.\t{block.text}")
            paragraph.paragraph_format.first_line_indent = Pt(36)
        elif block.kind == "item":
            paragraph = doc.add_paragraph(block.text)
            paragraph.paragraph_format.left_indent = Pt(36)
        elif block.kind == "exhibit":
            paragraph = doc.add_paragraph()
            paragraph.add_run(f"Exhibit {block.label}").bold = True
            paragraph.add_run(f"\t{block.text}")
        else:
            doc.add_paragraph(block.text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
