"""Text analysis shared by indexing, querying and highlighting, and the index schema.

Whoosh's stock analyser chain (tokeniser, lowercase, stop, stem filters over a shared Token object) costs
several Python calls per token, which is most of an indexing run.  Here a page is tokenised with one
regular expression, stemmed through a dictionary cache, and handed to Whoosh as ready-made postings.
Phrases are answered from a second field of word bigrams instead of positions (see search.query).
"""

from __future__ import annotations

import re
from collections import Counter

from whoosh import fields, formats
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.lang.porter import stem as _porter_stem

# Letters and digits; "FOIL-2023-056-11528" becomes foil / 2023 / 056 / 11528, as in FTS5's tokenisers.
TOKEN_RE = re.compile(r"[^\W_]+")

# Words too common to narrow a search: left out of the word field (an AND of "of" narrows nothing and
# its posting list covers every page) but kept in the bigram field, so "freedom of information" works.
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it",
    "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
})

_STEM_CACHE: dict[str, str] = {}
_STEM_CACHE_MAX = 500_000


def stem(word: str) -> str:
    """Porter stem of a lowercase word, cached (the vocabulary of a corpus is small next to its tokens)."""
    try:
        return _STEM_CACHE[word]
    except KeyError:
        if len(_STEM_CACHE) >= _STEM_CACHE_MAX:
            _STEM_CACHE.clear()
        result = _STEM_CACHE[word] = _porter_stem(word) if not word.isdigit() else word
        return result


def words(text: str) -> list[str]:
    """Lowercase word tokens of a text, in order."""
    return TOKEN_RE.findall(text.lower())


def stems(text: str) -> list[str]:
    """Stemmed tokens of a text, in order (stopwords included)."""
    cache = _STEM_CACHE
    out = []
    for w in TOKEN_RE.findall(text.lower()):
        s = cache.get(w)
        out.append(s if s is not None else stem(w))
    return out


def _stop_stems() -> frozenset[str]:
    return frozenset(_porter_stem(w) for w in STOPWORDS)


# Stopwords are removed after stemming, so compare stems ("was" stems to "wa").
STOP_STEMS = _stop_stems()


def bigram(first: str, second: str) -> str:
    """The index term for two adjacent stems.

    The leading underscore (which no word token has) keeps all bigrams in one block of the term
    dictionary, after the digits and before the letters, so expanding a prefix never walks them.
    """
    return f"_{first} {second}"


def page_terms(text: str) -> Counter:
    """Term counts of one page: its stems (less stopwords) and its bigrams ("freedom of")."""
    seq = stems(text)
    counts = Counter(seq)
    for stop in STOP_STEMS.intersection(counts):
        del counts[stop]
    if len(seq) > 1:
        # A bigram starts with "_" and holds a space, so words and bigrams share a field without clashing.
        counts.update(map(bigram, seq, seq[1:]))
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
        self.scorable = True
        self.stored = True
        self.unique = False
        self.vector = None
        self.column_type = None

    def index(self, value, **kwargs):
        """Yield (term bytes, frequency, weight, value bytes) for each term of a page."""
        return [(term.encode("utf-8"), n, float(n), b"") for term, n in page_terms(value).items()]

    def process_text(self, qstring, mode="", **kwargs):
        """Query-side analysis, used only if someone hands this field to Whoosh's own parser."""
        return iter(stems(qstring))

    def self_parsing(self):
        """Whoosh hook: this field is not parsed by Whoosh's query parser."""
        return False


def _facet() -> fields.ID:
    # A low-cardinality label stored once per segment with a small reference per document, which is
    # what makes facet counting a matter of reading one array (see search.facets).
    return fields.ID(stored=True, sortable=fields.columns.RefBytesColumn())


def _label_words() -> fields.TEXT:
    # Field filters typed by users (agency:nypd) match any word of the label, case-insensitively.
    return fields.TEXT(analyzer=RegexTokenizer(TOKEN_RE) | LowercaseFilter(), phrase=False)


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
        media_type=_facet(),
        agency=_facet(),
        campaign=_facet(),
        released_on=_facet(),  # ISO date: sorts as text; the year facet is read from it
    )


SCHEMA_VERSION = 1
