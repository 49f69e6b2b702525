"""Text analysis shared by indexing, querying and highlighting, and the index schema.

Whoosh's stock analyser chain (tokeniser, lowercase, stop, stem filters over a shared Token object) costs
several Python calls per token, which is most of an indexing run.  Here a page is tokenised with one
regular expression, stemmed through a dictionary cache, and handed to Whoosh as ready-made postings.
Phrases are answered from a second field of word bigrams instead of positions (see search.query).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import repeat
from operator import and_, mul, xor
from zlib import crc32

from whoosh import fields, formats
from whoosh.lang.porter import stem as _porter_stem

# Letters and digits; "FOIL-2023-056-11528" becomes foil / 2023 / 056 / 11528, as in FTS5's tokenisers.
TOKEN_RE = re.compile(r"[^\W_]+")

# Words too common to narrow a search: left out of the word field (an AND of "of" narrows nothing and
# its posting list covers every page) but kept in the bigram field, so "freedom of information" works.
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it",
    "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
})

class _Memo(dict):
    """A dictionary that computes missing entries with func (so lookups can run inside map())."""

    def __init__(self, func, limit: int = 500_000) -> None:
        super().__init__()
        self.func = func
        self.limit = limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()  # an unbounded vocabulary (OCR noise) must not grow the process forever
        value = self[key] = self.func(key)
        return value


def _stem_word(word: str) -> str:
    return word if word.isdigit() else _porter_stem(word)


_STEMS = _Memo(_stem_word)
_HASHES = _Memo(lambda s: crc32(s.encode("utf-8")))


def stem(word: str) -> str:
    """Porter stem of a lowercase word, cached (the vocabulary of a corpus is small next to its tokens)."""
    return _STEMS[word]


def words(text: str) -> list[str]:
    """Lowercase word tokens of a text, in order."""
    return TOKEN_RE.findall(text.lower())


def stem_all(tokens: list[str]) -> list[str]:
    """Stems of lowercase word tokens, in order."""
    return list(map(_STEMS.__getitem__, tokens))


def stems(text: str) -> list[str]:
    """Stemmed tokens of a text, in order (stopwords included)."""
    return stem_all(words(text))


def _stop_stems() -> frozenset[str]:
    return frozenset(_porter_stem(w) for w in STOPWORDS)


# Stopwords are removed after stemming, so compare stems ("was" stems to "wa").
STOP_STEMS = _stop_stems()

BIGRAM_BUCKETS = 1 << 16
_MASK = BIGRAM_BUCKETS - 1
_MULT = 0x9E3779B1  # odd, so the first word's hash is spread before it is mixed with the second's
# The leading underscore, which no word has, keeps the buckets in one block of the term table that
# prefix expansion never walks.
_BUCKET_NAMES = [f"_{i:04x}" for i in range(BIGRAM_BUCKETS)]


def bigram(first: str, second: str) -> str:
    """The index term standing for two adjacent stems: one of BIGRAM_BUCKETS hashed buckets.

    Every distinct bigram as a term of its own would mean millions of terms, and Whoosh spends tens of
    microseconds on each term it writes; hashing bounds the count. A phrase query asks for its words and
    its buckets together, so a page matches falsely only if it holds all the words and, elsewhere, a
    different bigram in the same bucket (about 1 page in 200 of those holding the words); the hits shown
    are checked against their text (search.query).
    """
    return _BUCKET_NAMES[((_HASHES[first] * _MULT) ^ _HASHES[second]) & _MASK]


def page_terms(text: str) -> Counter:
    """Term counts of one page: its stems (less stopwords) and its bigram buckets."""
    seq = stems(text)
    counts = Counter(seq)
    for stop in STOP_STEMS.intersection(counts):
        del counts[stop]
    if len(seq) > 1:
        # The same arithmetic as bigram(), over the whole page in C-level map() loops.
        hashes = list(map(_HASHES.__getitem__, seq))
        mixed = map(xor, map(mul, hashes, repeat(_MULT)), hashes[1:])
        counts.update(map(_BUCKET_NAMES.__getitem__, map(and_, mixed, repeat(_MASK))))
    return counts


class PageText(fields.FieldType):
    """The page text: stored as given, indexed as stems and bigrams with their frequencies.

    Postings keep the document and its weight (the term frequency, used by BM25) but no positions;
    phrases are looked up as bigrams. The analysis happens inside ``index`` so that, with several
    writer processes, each process analyses its own share of the pages.
    """

    def __init__(self) -> None:
        self.format = formats.Existence()
        self.analyzer = None
        self.scorable = False  # no per-page lengths: see search.scoring
        self.stored = True
        self.unique = False
        self.vector = None
        self.column_type = None

    def terms(self, value: str) -> Counter:
        """Term counts of a page (used by search.bulk)."""
        return page_terms(value)

    def index(self, value, **kwargs):
        """Yield (term bytes, frequency, weight, value bytes) for each term of a page."""
        return [(term.encode("utf-8"), n, float(n), b"") for term, n in page_terms(value).items()]

    def process_text(self, qstring, mode="", **kwargs):
        """Query-side analysis, used only if someone hands this field to Whoosh's own parser."""
        return iter(stems(qstring))

    def self_parsing(self):
        """Whoosh hook: this field is not parsed by Whoosh's query parser."""
        return False


class FacetLabel(fields.FieldType):
    """A stored label with a column for counting, not indexed (filters use the ids or ID fields).

    A RefBytesColumn keeps each distinct label once per segment and a small reference per document,
    which is what makes facet counting a matter of reading one array (see search.facets).
    """

    indexed = False

    def __init__(self) -> None:
        self.format = None
        self.analyzer = None
        self.scorable = False
        self.stored = True
        self.unique = False
        self.vector = None
        self.column_type = fields.columns.RefBytesColumn()

    def to_column_value(self, value):
        """Column bytes for a label."""
        return value.encode("utf-8")


def _facet() -> FacetLabel:
    return FacetLabel()


class LabelWords(fields.FieldType):
    """The words of a short label (agency, campaign, file name, media type), for typed field filters
    such as agency:nypd, which match any word of the label case-insensitively."""

    def __init__(self) -> None:
        self.format = formats.Existence()
        self.analyzer = None
        self.scorable = False
        self.stored = False
        self.unique = False
        self.vector = None
        self.column_type = None

    def terms(self, value: str) -> dict[str, int]:
        """Each distinct word of the label once."""
        return dict.fromkeys(words(value), 1)

    def index(self, value, **kwargs):
        """Yield (term bytes, frequency, weight, value bytes) for each word of the label."""
        return [(w.encode("utf-8"), 1, 1.0, b"") for w in self.terms(value)]

    def self_parsing(self):
        """Whoosh hook: this field is not parsed by Whoosh's query parser."""
        return False


def _label_words() -> LabelWords:
    return LabelWords()


def build_schema() -> fields.Schema:
    """The Whoosh schema of the page index (bump SCHEMA_VERSION when it changes)."""
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        kind=fields.ID(stored=True),
        text=PageText(),
        agency_words=_label_words(),
        campaign_words=_label_words(),
        filename_words=_label_words(),
        type_words=_label_words(),
        request_id=fields.ID(stored=True),
        agency_id=fields.ID(stored=True),
        campaign_id=fields.ID(stored=True),
        document_id=fields.ID(stored=True),
        page=fields.STORED(),
        filename=fields.STORED(),
        ocr=fields.STORED(),
        visibility=fields.ID(stored=True),
        year=fields.ID(),
        media=fields.ID(),  # media_type, for filtering
        media_type=_facet(),
        agency=_facet(),
        campaign=_facet(),
        released_on=_facet(),  # ISO date: sorts as text; the year facet is read from it
        released=fields.ID(),  # the same ISO date, indexed, for ranges of release dates
    )


SCHEMA_VERSION = 2  # 2: the released field (date ranges)
