"""Figures for text extraction: text-layer PDF pages per second per core, seconds per OCR'd page.

Run: ``python bench/extract_bench.py [--small 1000] [--scan-pages 40]`` from the repository root. One
extraction runs at a time, so wall-clock rates are per core on a quiet machine; the CPU-second rates
(this process plus every extraction child and tesseract, from getrusage, the warm children ended and
reaped before each reading) are per core even when other work shares the machine.

Figures: a generated 500-page PDF; ``--small`` generated text-layer PDFs of 1 to 5 pages through the
warm pool (goal: 250 pages per CPU second); a generated ``--scan-pages`` scan OCR'd by one worker and
by two (goal: two take at most 0.6 of one's time); the fixtures in ../shared/fixtures when present.
``--no-redaction`` turns off the measurement of redaction boxes, to compare what measuring costs; a
generated 200-page PDF with boxes on every page shows the cost where there are boxes to measure.
Needs fpdf2 (a test dependency). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.extract import Limits, extract, shutdown_pool  # noqa: E402

FIXTURES = Path(
    os.environ.get("FOILTRACK_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures")
)
SCANS = ["linn-brochure-two-column-scan.pdf", "linn-four-orientations-scan.pdf", "linn-skewed-scan.pdf"]
# Whether extraction measures redaction boxes (``--no-redaction`` turns it off, for comparison).
MEASURE = {"redaction": True}


def limits(**settings) -> Limits:
    """Limits for one run, with redaction measurement on or off as the command line says."""
    return Limits(redaction=MEASURE["redaction"], **settings)


def cpu_seconds() -> float:
    """CPU time of this process and every descendant, the warm extraction children ended first."""
    shutdown_pool()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def generated_pdf(path: Path, pages: int = 500) -> Path:
    """A text-layer PDF of ``pages`` pages of report-like prose."""
    import fpdf

    doc = fpdf.FPDF()
    doc.set_font("Helvetica", size=10)
    line = "Records responsive to request FOIL-2023-056-11528 are released in part under 87(2)(b). "
    for number in range(pages):
        doc.add_page()
        doc.multi_cell(0, 5, f"Page {number + 1}. " + line * 30)
    doc.output(str(path))
    return path


def text_layer_rate(paths: list[Path], repeat: int = 3, workers: int = 1) -> dict:
    """Pages per second through extract() (child start-up included) over ``paths``, best of ``repeat``."""
    best = best_cpu = None
    pages = 0
    for _ in range(repeat):
        started, cpu = time.perf_counter(), cpu_seconds()
        pages = 0
        for path in paths:
            result = extract(path, limits=limits(ocr=False, workers=workers))
            pages += len(result.pages)
        elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = used if best_cpu is None else min(best_cpu, used)
    return {
        "pages": pages,
        "seconds": round(best, 3),
        "pages_per_second": round(pages / best, 1),
        "cpu_seconds": round(best_cpu, 3),
        "pages_per_cpu_second": round(pages / best_cpu, 1),
    }


def redacted_pdf(path: Path, pages: int = 200) -> Path:
    """A text-layer PDF whose every page has three black boxes, one of them over live text."""
    import fpdf

    doc = fpdf.FPDF()
    doc.set_font("Helvetica", size=10)
    line = "The officer's report names the witness and the location of the camera in the precinct. "
    for number in range(pages):
        doc.add_page()
        doc.multi_cell(0, 5, f"Page {number + 1}. " + line * 25)
        doc.set_fill_color(0)
        doc.rect(20, 40, 80, 6, style="F")  # over text
        doc.rect(20, 200, 120, 30, style="F")
        doc.rect(100, 210, 60, 30, style="F")  # overlapping the one before
    doc.output(str(path))
    return path


def small_pdfs(folder: Path, count: int) -> list[Path]:
    """``count`` text-layer PDFs of 1 to 5 pages each (the pages cycle 1, 2, 3, 4, 5)."""
    import fpdf

    paths = []
    for n in range(count):
        doc = fpdf.FPDF()
        doc.set_font("Helvetica", size=11)
        for page in range(n % 5 + 1):
            doc.add_page()
            doc.multi_cell(0, 5, f"Letter {n}, page {page + 1}. Your request FOIL-2024-056-{n:05d} is "
                           "granted in part; records are withheld under 87(2)(e)(iv). " * 6)  # fmt: skip
        paths.append(folder / f"letter-{n:04d}.pdf")
        doc.output(str(paths[-1]))
    return paths


def small_documents_rate(paths: list[Path]) -> dict:
    """Pages per CPU second (this process and the pooled children) over many small documents."""
    started, cpu = time.perf_counter(), cpu_seconds()
    pages = failed = 0
    for path in paths:
        result = extract(path, limits=limits(ocr=False))
        pages += len(result.pages)
        failed += result.status != "ok"
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "documents": len(paths),
        "failed": failed,
        "pages": pages,
        "seconds": round(elapsed, 2),
        "pages_per_second": round(pages / elapsed, 1),
        "cpu_seconds": round(used, 2),
        "pages_per_cpu_second": round(pages / used, 1),
    }


def generated_scan(path: Path, pages: int) -> Path:
    """An image-only PDF of ``pages`` letter pages of prose rendered at 150 dpi (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=24)
    images = []
    for number in range(pages):
        image = Image.new("L", (1275, 1650), 255)
        draw = ImageDraw.Draw(image)
        for line in range(40):
            draw.text((90, 90 + line * 36), f"Page {number + 1} line {line + 1}: the records access officer "
                      "denied the request under 87(2)(e).", fill=0, font=font)  # fmt: skip
        images.append(image)
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return path


def ocr_workers(path: Path) -> dict:
    """Wall seconds to OCR one scan with one worker and with two; the goal is a ratio of 0.6 or less."""
    figures = {}
    for workers in (1, 2):
        started = time.perf_counter()
        # A wall-clock limit far past the default's five minutes: a busy machine must not cut one run short.
        settings = limits(ocr_dpi=200, workers=workers, split_min_bytes=0, wall_seconds=3600)
        result = extract(path, limits=settings)
        figures[f"workers_{workers}_seconds"] = round(time.perf_counter() - started, 2)
        figures[f"workers_{workers}_ocr_pages"] = sum(p.ocr for p in result.pages)
        shutdown_pool()
    figures["ratio"] = round(figures["workers_2_seconds"] / figures["workers_1_seconds"], 3)
    return figures


def parser_rate(paths: list[Path]) -> dict:
    """Pages per second of the PDF page loop alone, in this process (no child start-up per file)."""
    from ingest.extract.pdf import extract_pdf

    settings = limits(ocr=False)
    started, cpu = time.perf_counter(), cpu_seconds()
    pages = sum(1 for path in paths for event in extract_pdf(str(path), settings) if event["event"] == "page")
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "pages": pages,
        "seconds": round(elapsed, 3),
        "pages_per_second": round(pages / elapsed, 1),
        "pages_per_cpu_second": round(pages / used, 1),
    }


def ocr_rate(paths: list[Path], dpi: int) -> dict:
    """Seconds (wall and CPU) per OCR'd page at ``dpi`` over ``paths``."""
    started, cpu = time.perf_counter(), cpu_seconds()
    pages = 0
    for path in paths:
        result = extract(path, limits=limits(ocr_dpi=dpi))
        pages += sum(p.ocr for p in result.pages)
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "pages": pages,
        "seconds": round(elapsed, 2),
        "seconds_per_page": round(elapsed / max(pages, 1), 2),
        "cpu_seconds_per_page": round(used / max(pages, 1), 2),
    }


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000, help="small PDFs to extract (0 skips)")
    parser.add_argument("--scan-pages", type=int, default=40, help="pages of the generated scan (0 skips)")
    parser.add_argument("--no-fixtures", action="store_true", help="skip the figures on ../shared/fixtures")
    parser.add_argument("--no-redaction", action="store_true",
                        help="do not measure redaction boxes (to compare the cost of measuring them)")
    args = parser.parse_args()
    MEASURE["redaction"] = not args.no_redaction
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = generated_pdf(Path(tmp) / "generated-500.pdf")
        figures["generated_500_pages"] = rate = text_layer_rate([big])
        print(
            f"text layer, generated 500-page PDF: {rate['pages_per_second']} pages/s wall, "
            f"{rate['pages_per_cpu_second']} pages per CPU second"
        )
        figures["generated_redacted_200_pages"] = rate = text_layer_rate([redacted_pdf(Path(tmp) / "red.pdf")])
        print(
            f"text layer, generated 200-page PDF with boxes on every page: {rate['pages_per_second']} pages/s "
            f"wall, {rate['pages_per_cpu_second']} pages per CPU second"
        )
        figures["generated_500_pages_two_workers"] = rate = text_layer_rate([big], workers=2)
        print(
            f"text layer, generated 500-page PDF, two children: {rate['pages_per_second']} pages/s wall, "
            f"{rate['pages_per_cpu_second']} pages per CPU second"
        )
        if args.small:
            paths = small_pdfs(Path(tmp), args.small)
            figures["small_documents"] = rate = small_documents_rate(paths)
            print(
                f"text layer, {rate['documents']} small PDFs ({rate['pages']} pages, warm pool): "
                f"{rate['pages_per_cpu_second']} pages per CPU second, children included "
                f"({rate['pages_per_second']} pages/s wall, {rate['failed']} not ok)"
            )
        if args.scan_pages:
            scan = generated_scan(Path(tmp) / "scan.pdf", args.scan_pages)
            figures["ocr_scan"] = rate = ocr_workers(scan)
            print(
                f"OCR of a generated {args.scan_pages}-page scan at 200 dpi: one worker "
                f"{rate['workers_1_seconds']} s, two workers {rate['workers_2_seconds']} s "
                f"(ratio {rate['ratio']})"
            )
    if args.no_fixtures:
        print(json.dumps({"bench": "extract", "cores": 1, "redaction": MEASURE["redaction"], **figures}))
        return
    gov = sorted((FIXTURES / "pdf" / "gov").glob("*.pdf"))
    if gov:
        figures["gov_fixtures"] = rate = text_layer_rate(gov)
        print(
            f"text layer, {len(gov)} gov fixtures ({rate['pages']} pages, warm pool): "
            f"{rate['pages_per_second']} pages/s wall, {rate['pages_per_cpu_second']} per CPU second"
        )
        figures["gov_fixtures_page_loop"] = rate = parser_rate(gov)
        print(
            f"text layer, gov fixtures, page loop without child start-up: {rate['pages_per_second']} "
            f"pages/s wall, {rate['pages_per_cpu_second']} per CPU second"
        )
    scans = [FIXTURES / "pdf" / "scanned" / name for name in SCANS]
    if all(p.exists() for p in scans):
        for dpi in (300, 200):
            figures[f"ocr_{dpi}dpi"] = rate = ocr_rate(scans, dpi)
            print(
                f"OCR at {dpi} dpi: {rate['seconds_per_page']} s/page wall, "
                f"{rate['cpu_seconds_per_page']} CPU s/page over {rate['pages']} pages"
            )
    else:
        print("OCR figures skipped: ../shared/fixtures/pdf/scanned is absent")
    print(json.dumps({"bench": "extract", "cores": 1, "redaction": MEASURE["redaction"], **figures}))


if __name__ == "__main__":
    main()
