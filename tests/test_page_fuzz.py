"""The pages against hostile input, as the API's fuzzer does for the API: never a 5xx, for any role.

The fuzzer finds its own targets. It walks the app's URL map (every page outside the API), fills each
route's ids with the records of a small world, and reads every page it renders as each role: every form
(its action, method and fields, files included) and every link's query parameters. Then it sends
seeded random cases: a role (admin, lawyer, volunteer, researcher or nobody signed in), a target (mostly
one that role was shown, sometimes another's), and each field either left as the form filled it or
replaced by a hostile value (numbers far past 64 bits, 5,000 digits, brackets nested 250 deep, NUL bytes,
overlong text, bidirectional controls, header injections, empty); now and then a page whose text path
argument (a slug, a code, a private link) is hostile. Any 5xx or exception fails the test with the case
that caused it.

Short in the suite (CASES cases, well under a minute on SQLite); `FUZZ_LONG=1` runs LONG_CASES cases
over every seed in SEEDS for a long run.
"""

from __future__ import annotations

import io
import os
import random
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests import page_support

BOTH_DATABASES = True
page_app, records, as_role = page_support.page_app, page_support.records, page_support.as_role  # fixtures

LONG = os.environ.get("FUZZ_LONG", "") == "1"
CASES = 3000 if LONG else 300
SEEDS = (20261208, 1, 2, 3) if LONG else (20261208,)
ROLES = (*page_support.ROLES, "anonymous")

HOSTILE = (
    "9" * 20, "9" * 5000, str(2**63), str(2**31), "-1", "0", "00000000000000000000001", "1.5", "1e309",
    "NaN", "²", "٣", "(" * 250 + "x" + ")" * 250, "NOT " * 250 + "x", "request:" * 120 + "1", '"' * 33,
    "a\x00b", "\x00", "x" * 20_000, "é" * 3000, "résumé\u202efdp.exe", "\U0001f600\u0301\ufeff", "\ud7ff",
    "", " ", "\t\r\n", "foil@x.org\r\nBcc: all@x.org", "a@b.org, c@d.org", "<script>alert(1)</script>",
    "' OR 1=1 --", "../../../../etc/passwd", "%00", "%ff", "null", "[]", "{}", "true", "2024-02-30",
    "0001-01-01", "9999-12-31", "99999-01-01", "2024-1-1", "me", "all", "FT-2024-00001", "BK0101",
)
# Forms whose success would end the fuzzer's own sessions (the fuzzer signs in once per role).
SKIP = {"auth.logout", "auth.logout_everywhere", "account.password", "static"}


@dataclass(frozen=True)
class Target:
    """Somewhere to send values: a method, a path, and the fields it takes with the value a page gave."""

    method: str
    path: str
    fields: tuple[tuple[str, str], ...] = ()
    files: tuple[str, ...] = ()
    multiple: frozenset[str] = frozenset()


@dataclass
class Found:
    """What the walk found, per role: the targets each role's pages showed."""

    by_role: dict[str, set[Target]] = field(default_factory=dict)

    def all(self) -> list[Target]:
        return sorted({t for targets in self.by_role.values() for t in targets}, key=repr)


def _route_values(records: dict, spare_user_id: int) -> dict[str, str]:
    """A real value for each route argument, so that pages render and their forms can be read."""
    return {
        "request_id": str(records["denied"].id), "document_id": str(records["document"].id),
        "message_id": str(records["message"].id), "litigation_id": str(records["litigation"].id),
        "agency_id": str(records["agency"].id), "campaign_id": str(records["campaign"].id),
        "appeal_id": str(records["appeal"].id), "user_id": str(spare_user_id), "number": "1",
        "slug": records["campaign"].slug or "ban-the-scan", "code": "BK0101", "kind": "appeal",
        "token_id": "1", "saved_id": "1", "secret": "not-a-secret", "token": "not-a-token", "link": "not-a-link",
    }


# Hostile values for the text parts of paths (a campaign's slug, a neighborhood code, a private link).
HOSTILE_PATHS = ("x" * 2000, "²", "%00", "(" * 250, "résumé\u202e", "..", "9" * 5000)


def _pages(app, values: dict[str, str], hostile: bool = False) -> list[str]:
    """Every page (GET route outside the API) with its arguments filled in; with `hostile`, the pages
    with each text argument of a route replaced, in turn, by hostile values instead."""
    from urllib.parse import quote

    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or rule.endpoint in SKIP or "GET" not in rule.methods:
            continue
        variants = [] if hostile else [dict(values)]
        for name in rule.arguments:
            if hostile and f"<int:{name}>" not in rule.rule:
                variants += [{**values, name: quote(bad, safe="")} for bad in HOSTILE_PATHS]
        for chosen in variants:
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", chosen[name]).replace(f"<{name}>", chosen[name])
            urls.append(path)
    return sorted(set(urls))


def _read(html: str, page_path: str) -> set[Target]:
    """The forms of a page and the query parameters of its links, as targets."""
    import lxml.html

    found: set[Target] = set()
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return found
    for form in root.forms:
        action = urlsplit(form.get("action") or page_path)
        if action.netloc and action.netloc != "localhost":
            continue
        path = action.path or page_path
        fields, files, multiple = [], [], set()
        for element in form.inputs:
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            if element.tag == "input" and element.get("type") == "file":
                files.append(name)
                continue
            if element.tag == "select":
                options = element.xpath(".//option/@value")
                value = next((o for o in options if o), "")  # a real choice, not the placeholder
                if element.multiple:
                    multiple.add(name)
            elif element.tag == "input" and element.get("type") in ("checkbox", "radio"):
                value = element.get("value") or "on"
                multiple.add(name) if element.get("type") == "checkbox" else None
            else:
                value = element.value or ""
            fields.append((name, value if isinstance(value, str) else ""))
        fields += parse_qsl(action.query, keep_blank_values=True)
        method = (form.get("method") or "get").upper()
        found.add(Target(method, path, tuple(dict.fromkeys(fields)), tuple(dict.fromkeys(files)),
                         frozenset(multiple)))
    for href in root.xpath("//a/@href"):
        link = urlsplit(href)
        if link.netloc or not link.query or not link.path.startswith("/"):
            continue
        found.add(Target("GET", link.path, tuple(parse_qsl(link.query, keep_blank_values=True))))
    return found


def _endpoint(app, target: Target) -> str | None:
    """The endpoint a target reaches, or None for a path no route takes."""
    from werkzeug.exceptions import HTTPException

    try:
        return app.url_map.bind("localhost").match(target.path, target.method)[0]
    except HTTPException:
        return None


def _walk(app, clients: dict, values: dict[str, str]) -> Found:
    found = Found()
    pages = _pages(app, values)
    for role, client in clients.items():
        targets = found.by_role.setdefault(role, set())
        for url in pages:
            targets.add(Target("GET", url))
            response = client.get(url)
            assert response.status_code < 500, f"{role} GET {url} answered {response.status_code}"
            if response.mimetype == "text/html":
                targets.update(t for t in _read(response.get_data(as_text=True), url)
                               if _endpoint(app, t) not in SKIP)
            response.close()  # a file download holds its file open until then
    return found


def _case(rng: random.Random, target: Target):
    """The values of one case: each field kept or replaced by a hostile value, sometimes sent twice."""
    pairs = []
    for name, value in target.fields:
        chosen = rng.choice(HOSTILE) if rng.random() < 0.5 else value
        pairs.append((name, chosen))
        if name in target.multiple and rng.random() < 0.3:
            pairs.append((name, rng.choice(HOSTILE)))
    if target.method == "GET" and rng.random() < 0.3:
        pairs.append((rng.choice(("page", "q", "id", "sort")), rng.choice(HOSTILE)))
    files = {name: (io.BytesIO(rng.choice((b"", b"%PDF-1.4 broken", b"x" * 4096))), rng.choice(HOSTILE) or "f")
             for name in target.files if rng.random() < 0.7}
    return pairs, files


def _send(client, target: Target, pairs: list, files: dict):
    if target.method == "GET":
        return client.get(target.path, query_string=pairs)
    data: dict[str, list] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    for name, upload in files.items():
        data.setdefault(name, []).append(upload)
    return client.open(target.path, method=target.method, data=data,
                       content_type="multipart/form-data" if files else None)


def _describe(role: str, target: Target, pairs: list, files: dict) -> str:
    shown = [(k, v if len(v) < 60 else v[:30] + f"…({len(v)} chars)") for k, v in pairs]
    return f"{role} {target.method} {target.path} {shown} files={[f[1][:40] for f in files.values()]}"


@pytest.mark.slow
def test_no_page_answers_a_server_error(page_app, records, as_role, make_user, make_request, db_backend):
    from tracker.extensions import db
    from tracker.models import Appeal

    records["appeal"] = db.session.scalar(db.select(Appeal).order_by(Appeal.id))
    spare = make_user("volunteer", "spare@example.org")
    values = _route_values(records, spare.id)
    clients = {role: as_role(role) for role in ROLES}
    started = time.monotonic()
    found = _walk(page_app, clients, values)
    # The fuzzer's own people stay signed in and in their roles: only the spare one is switched about.
    from tracker.models import User

    own = {f"/people/{i}/" for i in db.session.scalars(db.select(User.id).where(User.id != spare.id))}
    for targets in found.by_role.values():
        targets -= {t for t in targets if any(t.path.startswith(prefix) for prefix in own)}
    everything = found.all()
    hostile_paths = [Target("GET", url) for url in _pages(page_app, values, hostile=True)]  # sent, not walked
    posted = {t.path for t in everything if t.method == "POST"}
    queried = {t.path for t in everything if t.method == "GET" and t.fields}
    # The walk found the forms that matter (a walk that found nothing would prove nothing).
    assert {"/requests/new", "/litigation/new", f"/messages/{records['message'].id}/assign"} <= posted, posted
    assert {"/requests/", "/search", "/public/search"} <= queried, queried
    failures, statuses, cases = [], {}, 0
    for seed in SEEDS:
        rng = random.Random(seed)
        for _ in range(CASES):
            role = rng.choice(ROLES)
            own = sorted(found.by_role[role], key=repr)
            draw = rng.random()
            target = rng.choice(own if draw < 0.75 else everything if draw < 0.9 else hostile_paths)
            pairs, files = _case(rng, target)
            cases += 1
            try:
                response = _send(clients[role], target, pairs, files)
            except Exception as exc:  # noqa: BLE001 - an exception out of the app is the failure to report
                failures.append(f"raised {exc!r}: {_describe(role, target, pairs, files)}")
                db.session.rollback()
                continue
            response.close()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"answered {response.status_code}: {_describe(role, target, pairs, files)}")
    elapsed = time.monotonic() - started
    print(f"{cases} cases over {len(everything)} targets and {len(hostile_paths)} hostile paths in {elapsed:.1f}s; "
          f"answers: {dict(sorted(statuses.items()))}")
    assert not failures, f"{len(failures)} of {cases} cases failed:\n" + "\n".join(failures[:25])
    assert sum(n for code, n in statuses.items() if code < 400) >= cases // 10, statuses  # it reached pages
