"""A page of a PDF as a PNG picture, drawn by pypdfium2 in a sandboxed child (the same limits as extraction).

`python -m ingest.extract.render` is the child: it lowers its own memory and CPU limits, then renders one
page to the path it is given. The parent waits with a wall-clock timeout, so a hostile file costs at most
the limits and never a web worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .result import Limits

_ROOT = str(Path(__file__).resolve().parents[2])
# About 110 dots per inch: readable beside the text on a laptop, a few hundred kilobytes a page.
SCALE = 1.5


class RenderFailed(Exception):
    """The page could not be drawn (not a PDF, no such page, a hostile file, or a limit reached)."""


def render_page(pdf_path, page_number: int, out_path, limits: Limits = Limits(), scale: float = SCALE) -> Path:  # noqa: B008
    """Draw page `page_number` (from 1) of the PDF at `pdf_path` into the PNG `out_path`; RenderFailed if not."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=out.parent)
    os.close(fd)
    request = {"path": str(pdf_path), "page": int(page_number), "out": tmp, "scale": scale,
               "memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds, "max_pixels": limits.max_pixels}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)}
    try:
        done = subprocess.run([sys.executable, "-m", "ingest.extract.render"], input=json.dumps(request).encode(),
                              capture_output=True, env=env, timeout=min(limits.wall_seconds, 60),
                              cwd=tempfile.gettempdir())
        if done.returncode != 0 or not os.path.getsize(tmp):
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            raise RenderFailed(reason[0][:300])
        os.replace(tmp, out)
        return out
    except subprocess.TimeoutExpired:
        raise RenderFailed("drawing the page took too long") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    """This child's own bounds: address space, CPU time, no core dumps of hostile input."""
    import resource

    memory = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child() -> None:
    request = json.loads(sys.stdin.readline())
    _limit(int(request["memory_mb"]), int(request["cpu_seconds"]))
    import pypdfium2

    document = pypdfium2.PdfDocument(request["path"])
    number = int(request["page"])
    if not 1 <= number <= len(document):
        sys.exit(f"there is no page {number} (the file has {len(document)})")
    page = document[number - 1]
    width, height = page.get_size()
    # A page drawn no bigger than the extraction's pixel budget, however large the file says it is.
    budget = float(request["max_pixels"])
    scale = min(float(request["scale"]), (budget / max(width * height, 1.0)) ** 0.5)
    bitmap = page.render(scale=scale)
    bitmap.to_pil().save(request["out"], format="PNG", optimize=False)


if __name__ == "__main__":
    _child()
