"""Ranking: BM25's saturating term frequency and inverse document frequency, without length norms.

Page lengths vary little within a production, and keeping per-document lengths costs a lookup per
posting when writing; so the text field is not "scorable" in Whoosh's sense and this model scores it.
Filter fields (visibility, ids) score their constant weight, leaving the order to the text.
"""

from __future__ import annotations

from math import log

from whoosh import scoring

K1 = 1.2


def _saturate(tf: float) -> float:
    return tf * (K1 + 1) / (tf + K1)


class _TextScorer(scoring.BaseScorer):
    def __init__(self, idf: float, maxweight: float) -> None:
        self._idf = idf
        self._max = idf * _saturate(maxweight)

    def supports_block_quality(self) -> bool:
        """Blocks carry their highest frequency, so whole blocks can be skipped."""
        return True

    def score(self, matcher) -> float:
        """Score of the current posting."""
        return self._idf * _saturate(matcher.weight())

    def max_quality(self) -> float:
        """Best score any posting of this term can have."""
        return self._max

    def block_quality(self, matcher) -> float:
        """Best score in the matcher's current block."""
        return self._idf * _saturate(matcher.block_max_weight())


class PageWeighting(scoring.WeightingModel):
    """BM25 (b = 0) on the text field; constant weights elsewhere."""

    def scorer(self, searcher, fieldname, text, qf=1):
        """A scorer for one term."""
        info = searcher.term_info(fieldname, text)
        if fieldname != "text":
            return scoring.WeightScorer(info.max_weight())
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        idf = log(1 + (total - n + 0.5) / (n + 0.5))
        return _TextScorer(idf * qf, info.max_weight())
