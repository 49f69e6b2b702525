"""Time the snippet of one huge, hit-dense page (snippets cost linear time, capped).

    python bench/snippet_bench.py                 # 2,000,000 characters holding 200,000 hits
    python bench/snippet_bench.py --chars 4000000 --hits 400000

Prints the best and median of a few runs in milliseconds; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.highlight import mark_all, snippet  # noqa: E402
from search.query import compile_query  # noqa: E402
from search.records import VISIBILITIES  # noqa: E402


def hostile_page(chars: int, hits: int) -> str:
    """A page of about chars characters in which the word "radar" occurs hits times."""
    filler_words = max(0, (chars - hits * 6) // 6)
    per_hit = filler_words / max(hits, 1)
    out, owed = [], 0.0
    for _ in range(hits):
        out.append("radar")
        owed += per_hit
        while owed >= 1:
            out.append("ovbrz")
            owed -= 1
    return " ".join(out)[:chars]


def main(argv: list[str] | None = None) -> None:
    """Build the page, time snippet() (and mark_all() for reference), print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chars", type=int, default=2_000_000)
    ap.add_argument("--hits", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    text = hostile_page(args.chars, args.hits)
    _, terms = compile_query("radar", frozenset(VISIBILITIES))
    hits = text.count("radar")
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        out = snippet(text, terms)
        times.append((time.perf_counter() - start) * 1000)
    assert "<mark>radar</mark>" in out
    start = time.perf_counter()
    marked = mark_all(text, terms)
    mark_ms = (time.perf_counter() - start) * 1000
    result = {"chars": len(text), "hits": hits, "snippet_ms_best": round(min(times), 2),
              "snippet_ms_median": round(statistics.median(times), 2), "goal_ms": 50,
              "mark_all_ms": round(mark_ms, 1), "marks": marked.count("<mark>")}
    print(f"snippet of a {len(text):,}-character page with {hits:,} hits: "
          f"{result['snippet_ms_median']} ms median (goal < 50 ms)", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
