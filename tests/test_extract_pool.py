"""The warm pool of extraction children: reuse, recycling, limits per document, pages over two children."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.extract import STATUS_OK, Limits, extract
from ingest.extract.pool import pool, shutdown_pool
from tests.test_extract import scan_pdf, text_pdf

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_pool():
    """This process's pool with no idle child, and a count of the children it starts from now on."""
    shutdown_pool()
    children = pool()
    before = children.started
    yield lambda: children.started - before
    shutdown_pool()


@pytest.fixture
def small_pdfs(tmp_path):
    """Twelve text-layer PDFs of one to three pages."""
    return [text_pdf(tmp_path / f"letter-{n}.pdf", [f"Letter {n} page {p} about cameras" for p in range(1 + n % 3)])
            for n in range(12)]  # fmt: skip


def test_one_warm_child_reads_many_small_documents(fresh_pool, small_pdfs):
    results = [extract(path, limits=Limits(ocr=False)) for path in small_pdfs]
    assert [r.status for r in results] == [STATUS_OK] * 12
    assert [len(r.pages) for r in results] == [1 + n % 3 for n in range(12)]
    assert "Letter 5 page 2" in results[5].pages[2].text
    assert fresh_pool() == 1


def test_a_child_is_recycled_after_its_share_of_documents(fresh_pool, small_pdfs):
    for path in small_pdfs[:7]:
        assert extract(path, limits=Limits(ocr=False, child_documents=3)).status == STATUS_OK
    assert fresh_pool() in (2, 3)  # the resume may take the other strand's child once it is idle


def test_a_child_that_hit_a_limit_is_replaced_and_the_next_document_reads(fresh_pool, small_pdfs, tmp_path):
    scan = scan_pdf(tmp_path / "s.pdf", [["MEMORY"]])
    limits = Limits(memory_mb=120, ocr_dpi=1200, max_pixels=400_000_000)
    assert extract(scan, limits=limits).error == "page 1: memory limit"
    result = extract(small_pdfs[0], limits=limits)
    assert result.status == STATUS_OK and "Letter 0" in result.pages[0].text
    assert fresh_pool() == 2


def test_the_cpu_limit_is_renewed_for_every_document(fresh_pool, tmp_path):
    # Each document costs a warm child tens of CPU milliseconds; forty of them add up past the one-second
    # limit, which must hold per document, not for the child's whole life.
    path = text_pdf(tmp_path / "long.pdf", [f"Page {n} of the retention schedule " * 40 for n in range(60)])
    limits = Limits(ocr=False, cpu_seconds=1)
    statuses = {extract(path, limits=limits).status for _ in range(40)}
    assert statuses == {STATUS_OK}
    assert fresh_pool() == 1


def test_allow_cpu_moves_the_soft_limit_past_what_was_used():
    program = (
        "import resource, time\n"
        "from ingest.extract.child import allow_cpu\n"
        "end = time.process_time() + 1.2\n"
        "while time.process_time() < end: pass\n"
        "allow_cpu(3)\n"
        "print(resource.getrlimit(resource.RLIMIT_CPU)[0])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True)
    assert int(out.stdout) == 5  # 1.2 s used, rounded up, plus 3


def test_a_timeout_kills_the_child_and_the_pool_goes_on(fresh_pool, small_pdfs, tmp_path):
    scan = scan_pdf(tmp_path / "s.pdf", [["slow page"]] * 12)
    assert extract(scan, limits=Limits(wall_seconds=1.0)).error == "timeout"
    assert extract(small_pdfs[1]).status == STATUS_OK
    assert fresh_pool() == 2


def test_scan_pages_are_shared_by_two_children_and_come_back_in_order(fresh_pool, tmp_path):
    scan = scan_pdf(tmp_path / "scan.pdf", [[f"SCANNED PAGE {n}"] for n in range(1, 6)])
    two = extract(scan, limits=Limits(ocr_dpi=150, workers=2, split_min_bytes=0))
    assert fresh_pool() == 2
    one = extract(scan, limits=Limits(ocr_dpi=150, workers=1))
    assert two.status == one.status == STATUS_OK
    assert [p.number for p in two.pages] == [1, 2, 3, 4, 5] and all(p.ocr for p in two.pages)
    assert [p.text for p in two.pages] == [p.text for p in one.pages]
    assert "SCANNED PAGE 4" in two.pages[3].text


def test_a_death_in_one_strand_is_resumed_past_that_page(fresh_pool, tmp_path):
    # Rendering the scanned page 3 at 2400 dpi needs more than the one CPU second allowed: the child
    # reading pages 1, 3, 5 is killed there and a fresh one reads page 5; the other reads pages 2 and 4.
    import fpdf

    from tests.test_extract import scan_image

    doc = fpdf.FPDF()
    doc.set_font("Helvetica", size=12)
    for number in range(1, 6):
        doc.add_page()
        if number == 3:
            doc.image(scan_image(["SCANNED MIDDLE PAGE"]), x=0, y=0, w=210)
        else:
            doc.multi_cell(0, 8, f"Text layer of page {number}")
    path = tmp_path / "m.pdf"
    doc.output(str(path))
    limits = Limits(cpu_seconds=1, ocr_dpi=2400, max_pixels=600_000_000, workers=2, split_min_bytes=0)
    result = extract(path, limits=limits)
    assert (result.status, result.error) == ("partial", "page 3: cpu limit")
    assert [p.number for p in result.pages] == [1, 2, 3, 4, 5]
    assert all(f"page {n}" in result.pages[n - 1].text for n in (1, 2, 4, 5))
    assert fresh_pool() in (2, 3)  # the resume may take the other strand's child once it is idle
