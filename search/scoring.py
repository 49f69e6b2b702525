"""Ranking: BM25's saturating term frequency and inverse document frequency, without length norms.

Page lengths vary little within a production, and keeping per-document lengths costs a lookup per
posting when writing; so the text field is not "scorable" in Whoosh's sense and this model scores it.
Filter fields (visibility, ids) score their constant weight, leaving the order to the text.

Every score and quality is rounded down to a multiple of 1/QUANTUM. Whoosh's union matcher skips blocks
with ``while aq + bq <= minscore: a.skip_to_quality(minscore - bq)``; with arbitrary floats ``aq + bq``
can round to at most ``minscore`` while ``minscore - bq`` rounds to just under ``aq``, so the child
refuses to move and the loop spins for ever (an OR of a few ordinary words did). Sums and differences
of such dyadic numbers are exact in a double, so both tests then agree and the skip always advances.
A block's quality is also capped at the term's maximum quality, which the matchers' pruning assumes.
"""

from __future__ import annotations

from math import floor, log

from whoosh import scoring

K1 = 1.2
QUANTUM = 1 << 16  # scores stay far below 2**36, so sums of thousands of them are exact


def quantize(value: float) -> float:
    """value rounded down to a multiple of 1/QUANTUM (an exact binary fraction)."""
    return floor(value * QUANTUM) / QUANTUM


def _saturate(tf: float) -> float:
    return tf * (K1 + 1) / (tf + K1)


class _TextScorer(scoring.BaseScorer):
    def __init__(self, idf: float, maxweight: float) -> None:
        self._idf = idf
        self._max = quantize(idf * _saturate(maxweight))

    def supports_block_quality(self) -> bool:
        """Blocks carry their highest frequency, so whole blocks can be skipped."""
        return True

    def score(self, matcher) -> float:
        """Score of the current posting."""
        return min(quantize(self._idf * _saturate(matcher.weight())), self._max)

    def max_quality(self) -> float:
        """Best score any posting of this term can have."""
        return self._max

    def block_quality(self, matcher) -> float:
        """Best score in the matcher's current block (never above the term's best)."""
        return min(quantize(self._idf * _saturate(matcher.block_max_weight())), self._max)


class _ConstantScorer(scoring.BaseScorer):
    """A filter term's score: its weight, the same for every posting (ids and visibility weigh 1)."""

    def __init__(self, maxweight: float) -> None:
        self._max = quantize(maxweight)

    def supports_block_quality(self) -> bool:
        """Blocks carry their highest weight."""
        return True

    def score(self, matcher) -> float:
        """The posting's weight, capped at the term's best."""
        return min(quantize(matcher.weight()), self._max)

    def max_quality(self) -> float:
        """The term's highest weight."""
        return self._max

    def block_quality(self, matcher) -> float:
        """The block's highest weight, capped at the term's best."""
        return min(quantize(matcher.block_max_weight()), self._max)


class PageWeighting(scoring.WeightingModel):
    """BM25 (b = 0) on the text field; constant weights elsewhere."""

    def scorer(self, searcher, fieldname, text, qf=1):
        """A scorer for one term."""
        info = searcher.term_info(fieldname, text)
        if fieldname != "text":
            return _ConstantScorer(info.max_weight())
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        idf = log(1 + (total - n + 0.5) / (n + 0.5))
        return _TextScorer(idf * qf, info.max_weight())
