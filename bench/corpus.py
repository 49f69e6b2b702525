"""A deterministic, government-records-like corpus and query set for the search benchmark.

Pages mix a Zipf-distributed vocabulary (a core of records-office words plus a long tail of coined
words, as real productions have names, places and jargon), people's names, dates, dollar amounts and
FOIL tracking numbers, in sentences of varying length.
"""

from __future__ import annotations

import math
import random
from itertools import accumulate


def _words(text: str) -> list[str]:
    return text.split()


CORE = _words("""
record records request requests agency department police officer officers report reports date
information law freedom public access denied denial appeal appeals determination review pursuant
section exemption exempt privacy personal unwarranted invasion inter intra agency materials
deliberative draft final policy procedure procedures manual training contract vendor software
facial recognition technology system systems database search searches photo photographs images
arrest arrests complaint complaints investigation investigations incident incidents unit division
bureau commissioner deputy chief captain lieutenant sergeant detective precinct borough city state
county court order subpoena warrant counsel attorney legal memorandum memo email emails letter
letters meeting meetings minutes agenda budget payment payments invoice invoices purchase order
audit compliance office staff employee employees supervisor director administration program
grant funding federal municipal rulemaking regulation regulations rule rules notice comment hearing
testimony statement statements witness evidence camera cameras footage video body worn surveillance
data retention schedule disposal destroyed responsive documents pages production released redacted
redaction withheld partially granted response acknowledgment extension business days calendar
clarification fee fees copies paper electronic format spreadsheet attachment attachments enclosed
please find attached regarding concerning following requested pertaining relating described
reasonably diligent search located identified reviewed determined appropriate necessary pending
approximately within twenty five ten thirty working received submitted filed petition article
proceeding respondent petitioner index number judge justice supreme decision ordered dismissed
""")
FUNCTION_WORDS = """the of and to in a for that is on be by with as this or are was from at have has which
will not any all such other may shall been were its their these those under upon each no if than into"""

FIRST = _words("James Maria Robert Linda Michael Patricia David Jennifer John Elizabeth Daniel Susan "
         "Joseph Jessica Thomas Sarah Carlos Aisha Wei Priya Kwame Olga Tariq Mei")
LAST = _words("Smith Johnson Rodriguez Williams Brown Garcia Miller Davis Martinez Hernandez Lopez "
        "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Lee Chen Patel Okafor Ivanova")
MONTHS = _words("January February March April May June July August September October November "
          "December")
SYLLABLES = _words("ab ac ad al an ar as at ba be bi bo ca ce ci co da de di do el en er es et fa fe fi "
             "ga ge gi ha he hi in ir is it ka ke la le li lo ma me mi mo na ne ni no or os pa pe "
             "pi po ra re ri ro sa se si so ta te ti to tu un ur va ve vi za ze")
AGENCIES = [
    "New York City Police Department", "Department of Correction", "Department of Education",
    "Metropolitan Transportation Authority", "Department of Health and Mental Hygiene",
    "Office of the Mayor", "Department of Buildings", "Fire Department", "Board of Elections",
    "Division of State Police", "Department of Environmental Conservation", "Office of Court Administration",
]
CAMPAIGNS = ["Facial recognition", "Stop and frisk", "Rikers conditions", "Bus lane cameras", "School safety"]
MEDIA = ["application/pdf"] * 6 + ["image/tiff", "message/rfc822", "application/vnd.ms-excel"]


def vocabulary(rng: random.Random, tail: int = 40_000) -> list[str]:
    """Core records words followed by a long tail of coined words, most frequent first."""
    function = FUNCTION_WORDS.split()
    content = [w for w in dict.fromkeys(CORE) if w not in function]
    rng.shuffle(content)
    words = function + content  # function words are the most frequent, as in any English text
    seen = set(words)
    while len(words) < len(seen) + tail and len(words) < len(CORE) + tail:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class Corpus:
    """Generates pages and queries from one seed."""

    def __init__(self, seed: int = 20240501) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        # Zipf's law: the k-th most frequent word has weight 1/k.
        self.cum = list(accumulate(1.0 / (k + 1) for k in range(len(self.words))))

    def _sentence(self, rng: random.Random) -> str:
        n = rng.randint(6, 22)
        parts = rng.choices(self.words, cum_weights=self.cum, k=n)
        roll = rng.random()
        if roll < 0.15:
            parts.insert(rng.randrange(len(parts)), f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        elif roll < 0.25:
            day = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2012, 2024)}"
            parts.insert(rng.randrange(len(parts)), day)
        elif roll < 0.30:
            track = f"FOIL-{rng.randint(2015, 2024)}-{rng.randint(1, 999):03d}-{rng.randint(1, 99999):05d}"
            parts.insert(rng.randrange(len(parts)), track)
        elif roll < 0.36:
            parts.insert(rng.randrange(len(parts)), f"${rng.randint(1, 99999):,}.{rng.randint(0, 99):02d}")
        return " ".join(parts).capitalize() + rng.choice(".....;:?")

    def page(self, page_id: int) -> str:
        """The text of one page (about 150-450 words)."""
        rng = random.Random(page_id * 7919 + 17)
        target = rng.randint(150, 450)
        out, count = [], 0
        while count < target:
            s = self._sentence(rng)
            out.append(s)
            count += s.count(" ") + 1
        return " ".join(out)

    def pages(self, n: int):
        """(page_id, text) for pages 1..n."""
        for page_id in range(1, n + 1):
            yield page_id, self.page(page_id)

    def queries(self, sample_pages: int = 2000, per_class: int = 40) -> dict[str, list[str]]:
        """Term, AND, phrase, prefix and field-filter queries drawn from the corpus's own words and pages."""
        rng = random.Random(99)
        function = set(FUNCTION_WORDS.split())
        ranked = [w for w in self.words if len(w) > 3 and w not in function]

        def pick() -> str:
            # Log-uniform over frequency ranks: common, middling and rare words alike.
            return ranked[min(len(ranked) - 1, int(math.exp(rng.uniform(0, math.log(20_000)))))]

        terms = [pick() for _ in range(per_class)]
        ands = [f"{pick()} {pick()}" for _ in range(per_class)]
        phrases = []
        while len(phrases) < per_class:
            tokens = self.page(rng.randint(1, sample_pages)).split()
            i = rng.randrange(len(tokens) - 3)
            chunk = [t.strip(".,;:?$").lower() for t in tokens[i:i + rng.choice((2, 2, 3))]]
            # Like phrases people search for: they start and end with a content word.
            if all(c.isalpha() for c in chunk) and chunk[0] not in function and chunk[-1] not in function:
                phrases.append('"' + " ".join(chunk) + '"')
        prefixes = []
        while len(prefixes) < per_class:
            w = pick()
            if len(w) >= 5:
                prefixes.append(w[: rng.randint(4, min(6, len(w) - 1))] + "*")
        # A field filter with words: one word of an agency's name, then a word of the text.
        labels = ["police", "correction", "education", "transportation", "health", "mayor", "buildings",
                  "fire", "elections", "state", "environmental", "court"]
        fields = [f"agency:{rng.choice(labels)} {pick()}" for _ in range(per_class)]
        return {"term": terms, "and": ands, "phrase": phrases, "prefix": prefixes, "field": fields}


def metadata(page_id: int) -> dict:
    """Deterministic agency, campaign, visibility, date and type for a page (about 80% public)."""
    rng = random.Random(page_id)
    doc = page_id // 40  # documents of about forty pages
    drng = random.Random(doc)
    roll = drng.random()
    visibility = "public" if roll < 0.8 else "internal" if roll < 0.95 else "privileged"
    agency_id = drng.randrange(len(AGENCIES))
    campaign_id = drng.randrange(len(CAMPAIGNS))
    return {
        "document_id": doc,
        "page": page_id % 40 + 1,
        "request_id": doc // 3,
        "agency_id": agency_id,
        "agency": AGENCIES[agency_id],
        "campaign_id": campaign_id,
        "campaign": CAMPAIGNS[campaign_id],
        "year": 2015 + drng.randrange(10),
        "month": 1 + drng.randrange(12),
        "day": 1 + rng.randrange(0, 1) + drng.randrange(28),
        "media_type": drng.choice(MEDIA),
        "visibility": visibility,
    }
