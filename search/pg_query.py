"""The search box's query language (search.parse) compiled to a PostgreSQL tsquery.

Pages are indexed as ``to_tsvector('english', <the page's words>)`` (Snowball stemming, English
stopwords, positions for phrases) concatenated with label lexemes such as ``a:nypd`` (agency), ``c:rikers``
(campaign), ``f:production`` (file name), ``t:pdf`` (media type), ``y:2021``, ``r:7`` (request) and
``d:10`` (document), which no word of a page can spell (they hold a colon). So a query mixing words and
typed fields (``agency:nypd OR memo``) is one tsquery matched against one GIN-indexed column.

Words are split with the same tokeniser as the Whoosh engine (search.analysis.words: runs of letters
and digits) before PostgreSQL sees them, on both the page and the query side, so FOIL-2023-056-11528 is
the phrase foil 2023 056 11528 in both engines.

Phrases: a phrase's positions can only be checked by reading each candidate page's whole tsvector (GIN
keeps no positions), which for two common words is most of the table. So each page also holds its word
pairs in a second column, ``pairs``, under its own GIN index (``~polic~depart``: the two words' stems,
stopwords kept, as the Whoosh engine's bigram field does). A query with phrases also requires their
pairs (CompiledQuery.pairs, exact in the index): a two-word phrase that every match must contain then
needs no positions at all, and a longer one has its positions checked only on the few pages that hold
every pair; the ranked tsvector stays as small as the words. A table written before pairs existed
lacks the mark BIGRAM_MARK and is searched by positions alone until it is rebuilt.

Words PostgreSQL's English configuration leaves out of the tsvector ("his", "most", "who": a longer
list than the Whoosh engine's stopwords) are still in the pairs, so a query that needs them ("his
most", "to be or not to be", "police most") is answered there: a phrase by its pairs, a lone word by
the pairs it starts (``~most~:*``; a page whose last word it is, and which holds it nowhere else, is
not found). Such a query's match is then a condition over both columns (CompiledQuery.where), and a
phrase of three words or more with one of them inside is checked against the text of the hits shown,
as the Whoosh engine checks its phrases (CompiledQuery.checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import STOP_STEMS, stem_all, stems, words
from .highlight import Terms
from .parse import USER_FIELDS, Node, QueryError, parse

TEXT_CONFIG = "english"
MIN_PREFIX = 2
# Endings whose stems can be shorter than a typed prefix ("investigat*" must find "investigations",
# stored as "investig"): the same list as the Whoosh engine's.
COMPLETIONS = ("", "e", "s", "ed", "ing", "ion", "ions", "ation", "ative", "ive", "or", "al", "ally", "ment",
               "ness", "ity", "ize", "ic", "ical", "ful", "ous", "ence", "ance", "er", "able")
LABEL_PREFIX = {
    "agency_words": "a",
    "campaign_words": "c",
    "filename_words": "f",
    "type_words": "t",
    "year": "y",
    "request_id": "r",
    "document_id": "d",
}


BIGRAM_MARK = "foiltrack: phrase bigrams v1"  # the table comment of a search table whose rows hold bigrams
MAX_BIGRAM_BYTES = 256  # longer pairs (OCR noise) are left out: PostgreSQL caps a lexeme at 2 KB


def bigram_lexemes(tokens: list[str]) -> list[str]:
    """The word-pair lexemes of a page's (or a phrase's) lowercase words, in order, without repeats."""
    stemmed = stem_all(tokens)
    pairs = dict.fromkeys(map("~{}~{}".format, stemmed, stemmed[1:]))
    # A character is at most 4 bytes: only a long pair needs encoding to be measured.
    return [p for p in pairs if len(p) * 4 <= MAX_BIGRAM_BYTES or len(p.encode()) <= MAX_BIGRAM_BYTES]


def normalized(text: str) -> str:
    """A text as the engine feeds it to to_tsvector: its lowercase words separated by single spaces."""
    return " ".join(words(text or ""))


def label_lexemes(*, agency: str = "", agency_short: str = "", campaign: str = "", filename: str = "",
                  media_type: str = "", year: int | None = None, request_id: int | None = None,
                  document_id: int | None = None) -> list[str]:
    """The label lexemes of one page, for typed field filters (agency:nypd, year:2021, ...)."""
    out: dict[str, None] = {}
    for prefix, label in (("a", f"{agency} {agency_short}"), ("c", campaign), ("f", filename),
                          ("t", media_type)):
        for word in words(label):
            out[f"{prefix}:{word}"] = None
    for prefix, value in (("y", year), ("r", request_id), ("d", document_id)):
        if value is not None:
            out[f"{prefix}:{value}"] = None
    return list(out)


def _literal(lexeme: str, prefix: bool = False) -> str:
    """A tsquery operand for a lexeme (quotes doubled, as tsquery's own syntax wants)."""
    quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


@dataclass
class CompiledQuery:
    """A tsquery over the words as SQL (with its parameters), the tsquery of word pairs every match must
    hold (a tsquery's text, or None), and what to mark in snippets."""

    sql: str | None
    params: dict[str, str] = field(default_factory=dict)
    terms: Terms = field(default_factory=lambda: Terms(frozenset()))
    pairs: str | None = None
    where: str | None = None  # the match as a condition over tsv and pairs, when words alone cannot say it
    checks: tuple[str, ...] = ()  # stemmed phrases the hits shown must hold word for word


class _Compiler:
    def __init__(self, stem_of, dropped: frozenset[str] = frozenset()) -> None:
        self.stem_of = stem_of  # callable: list of words -> {word: [PostgreSQL stems]}
        self.dropped = dropped  # words of the query the English configuration leaves out of tsv
        self.params: dict[str, str] = {}
        self.marks: set[str] = set()
        self.prefixes: list[str] = []
        self.needs_pairs_only = False  # some word or phrase can only be found in the pairs
        self.checks: list[str] = []

    def param(self, value: str) -> str:
        name = f"tq{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def node(self, node: Node, negated: bool, required: bool = False) -> str | None:
        """The words' tsquery of node, as SQL. required: node's word pairs are required of every match
        (it is reached from the top through ANDs only, and the table holds pairs), so a two-word phrase
        needs no positions here: its pair, in the pairs column, says the words are adjacent."""
        op = node.op
        if op in ("and", "or"):
            inner = required and op == "and"
            subs = [s for s in (self.node(c, negated, inner) for c in node.children) if s is not None]
            if not subs:
                return None
            if op == "or" and len(subs) < len(node.children):
                return None  # "the OR police": the stopword side matches everything, as with Whoosh
            return "(" + (" && " if op == "and" else " || ").join(subs) + ")"
        if op == "not":
            inner = self.node(node.children[0], not negated)
            return f"(!! {inner})" if inner is not None else None
        if op == "field":
            literal = self.field(node.children[0], LABEL_PREFIX[USER_FIELDS[node.text]])
            return f"CAST({self.param(literal)} AS tsquery)" if literal else None
        if op == "prefix":
            return self.prefix(node.text, negated)
        text = normalized(node.text)
        if not text:
            return None
        stemmed = stems(text)
        if not negated:
            self.marks.update(s for s in stemmed if s not in STOP_STEMS)
        tokens = text.split()
        if len(tokens) == 1 and stemmed[0] in STOP_STEMS:
            return None
        if required and len(tokens) == 2 and self.pairs(node) is not None:
            return f"plainto_tsquery('{TEXT_CONFIG}', {self.param(text)})"
        return f"phraseto_tsquery('{TEXT_CONFIG}', {self.param(text)})"

    def pairs(self, node: Node) -> str | None:
        """The word pairs (a tsquery's text) that every page matching node holds, or None for no
        constraint: a phrase's pairs, ANDed through ANDs, ORed only when every side has some."""
        if node.op in ("and", "or"):
            subs = [self.pairs(child) for child in node.children]
            if node.op == "or" and None in subs:
                return None
            subs = [sub for sub in subs if sub is not None]
            if not subs:
                return None
            return subs[0] if len(subs) == 1 else "(" + (" & " if node.op == "and" else " | ").join(subs) + ")"
        if node.op in ("not", "field", "prefix"):
            return None
        tokens = words(node.text)
        pairs = bigram_lexemes(tokens)
        stemmed = stem_all(tokens)
        # One word, or a pair too long to be indexed (a repeated pair, "to be ... to be", counts once).
        if len(tokens) < 2 or len(pairs) < len(set(zip(stemmed, stemmed[1:], strict=False))):
            return None
        return "(" + " & ".join(map(_literal, pairs)) + ")" if len(pairs) > 1 else _literal(pairs[0])

    def condition(self, node: Node, negated: bool, required: bool = False) -> str | None:
        """node as a SQL condition over both columns (None: it constrains nothing), for a query with
        words the tsvector lacks: those are looked up in the pairs."""
        op = node.op
        if op in ("and", "or"):
            inner = required and op == "and"
            subs = [s for s in (self.condition(c, negated, inner) for c in node.children) if s is not None]
            if not subs or (op == "or" and len(subs) < len(node.children)):
                return None  # nothing, or "the OR police": as in node()
            return "(" + (" AND " if op == "and" else " OR ").join(subs) + ")"
        if op == "not":
            inner = self.condition(node.children[0], not negated)
            return f"(NOT {inner})" if inner is not None else None
        if op in ("field", "prefix"):
            tsq = self.node(node, negated)
            return f"tsv @@ {tsq}" if tsq is not None else None
        tokens = words(node.text)
        if not tokens or (len(tokens) == 1 and stem_all(tokens)[0] in STOP_STEMS):
            return None
        if len(tokens) == 1:
            if tokens[0] in self.dropped:
                return f"pairs @@ CAST({self.param(_literal('~' + stem_all(tokens)[0] + '~', prefix=True))} AS tsquery)"
            return f"tsv @@ {self.node(node, negated)}"
        pairs = self.pairs(node)
        if pairs is None:  # a pair too long to be indexed: positions only
            return f"tsv @@ {self.node(node, negated)}"
        self.node(node, negated)  # the words to mark
        found = f"pairs @@ CAST({self.param(pairs)} AS tsquery)"
        if not required or negated or all(t in self.dropped for t in tokens):
            return found  # the pairs hold every word, in pairs, as the Whoosh engine's bigrams do
        return f"({found} AND tsv @@ phraseto_tsquery('{TEXT_CONFIG}', {self.param(normalized(node.text))}))"

    def pairs_only(self, node: Node, required: bool) -> bool:
        """Whether node holds a word or phrase the tsvector cannot answer (and what hits need checking)."""
        if node.op in ("and", "or", "not"):
            inner = [self.pairs_only(c, required and node.op == "and") for c in node.children]
            return any(inner)
        if node.op in ("field", "prefix"):
            return False
        tokens = words(node.text)
        lost = [t for t in tokens if t in self.dropped]
        if required and len(tokens) > 2 and lost:
            # PostgreSQL counts the missing words' places but not which words they were.
            self.checks.append(" ".join(stem_all(tokens)))
        if len(tokens) == 1:
            return bool(lost) and stem_all(tokens)[0] not in STOP_STEMS
        return bool(lost) and (not required or len(lost) == len(tokens))

    def prefix(self, text: str, negated: bool) -> str:
        parts = words(text)
        if not parts or len(parts[-1]) < MIN_PREFIX:
            raise QueryError(f"“{text}*” is too short a prefix: type at least {MIN_PREFIX} letters before "
                             "the *.")
        last = parts[-1]
        shorter = set()
        for found in self.stem_of([last + ending for ending in COMPLETIONS]).values():
            shorter.update(s for s in found if last.startswith(s) and s != last)
        literal = " | ".join([_literal(last, prefix=True), *(_literal(s) for s in sorted(shorter))])
        expr = f"CAST({self.param(literal)} AS tsquery)"
        if not negated:
            self.marks.update(s for s in stems(" ".join(parts[:-1])) if s not in STOP_STEMS)
            self.prefixes.append(last)
        if len(parts) == 1:
            return expr
        head = f"phraseto_tsquery('{TEXT_CONFIG}', {self.param(' '.join(parts[:-1]))})"
        return f"({head} && {expr})"

    def field(self, node: Node, prefix: str) -> str | None:
        """A typed field filter as a tsquery literal over label lexemes: every word must match."""
        if node.op in ("and", "or", "not"):
            subs = [s for s in (self.field(c, prefix) for c in node.children) if s]
            if not subs:
                return None
            if node.op == "not":
                return f"!({subs[0]})"
            return "(" + (" & " if node.op == "and" else " | ").join(subs) + ")"
        if node.op == "field":
            return self.field(node.children[0], LABEL_PREFIX[USER_FIELDS[node.text]])
        tokens = words(node.text) if prefix in "acft" else [node.text.strip().lower()]
        tokens = [t for t in tokens if t]
        if not tokens:
            return None
        literals = [_literal(f"{prefix}:{t}") for t in tokens]
        if node.op == "prefix":
            literals[-1] = _literal(f"{prefix}:{tokens[-1]}", prefix=True)
        return literals[0] if len(literals) == 1 else "(" + " & ".join(literals) + ")"


def compile_tsquery(q: str, stem_of, *, bigrams: bool = True) -> CompiledQuery:
    """The SQL expression of q's tsquery, its parameters, the word pairs a match must hold (when
    bigrams: the table holds them, BIGRAM_MARK) and the terms to mark in snippets.

    stem_of(words) -> {word: [stems]} asks PostgreSQL's English stemmer (used for prefixes only).
    Raises QueryError with a message for the user when q cannot be searched.
    """
    tree = parse(q)
    dropped: frozenset[str] = frozenset()
    if bigrams:
        plain = _plain_words(tree)
        dropped = frozenset(w for w, found in stem_of(sorted(plain)).items() if not found) if plain else dropped
    compiler = _Compiler(stem_of, dropped)
    if bigrams and compiler.pairs_only(tree, True):
        where = compiler.condition(tree, False, required=True)
        if where is None:
            raise QueryError(TOO_COMMON)
        sql = compiler.node(tree, False)  # the words the tsvector holds, for ranking only
        terms = Terms(frozenset(compiler.marks), tuple(compiler.prefixes))
        return CompiledQuery(sql, compiler.params, terms, None, where, tuple(compiler.checks))
    sql = compiler.node(tree, False, required=bigrams)
    if sql is None:
        raise QueryError(TOO_COMMON)
    terms = Terms(frozenset(compiler.marks), tuple(compiler.prefixes))
    return CompiledQuery(sql, compiler.params, terms, compiler.pairs(tree) if bigrams else None,
                         checks=tuple(compiler.checks))


TOO_COMMON = "Those words are too common to search for on their own: add a more specific one."


def _plain_words(node: Node) -> set[str]:
    """The words of node's words and phrases (not of its field filters or prefixes)."""
    if node.op in ("and", "or", "not"):
        return set().union(*(_plain_words(c) for c in node.children))
    return set(words(node.text)) if node.op in ("word", "phrase") else set()
