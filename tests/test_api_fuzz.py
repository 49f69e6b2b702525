"""The JSON API against hostile input: its OpenAPI document, the inputs an attacker tried, and
Schemathesis fuzzing every operation of the real app with valid and invalid data: never a 5xx.

The fuzz run is seeded (Hypothesis derandomised) and bounded: FUZZ_EXAMPLES examples per operation and
mode (25 by default, a couple of minutes); set FUZZ_EXAMPLES=1000 for a long run.
"""

from __future__ import annotations

import json
import os
from datetime import date

import pytest

from tests import ingest_support as support
from tracker.dispatch import commit

BOTH_DATABASES = True
nypd, search_service = support.nypd, support.search_service  # fixtures
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
HUGE = str(2**64 + 1)


@pytest.fixture
def world(app, db_backend, search_service, api_as, make_request, nypd):
    """An admin's token and one of each record (an appeal, a lawsuit, a message with a document)."""
    from tracker.operations import record_event
    from tracker.operations.documents import blob_store
    from tracker.operations.litigation import create_litigation
    from tracker.operations.mail import deliver_raw

    admin = api_as("admin")
    denied = make_request(agency=nypd, received_on=date(2024, 1, 8), visibility="public",
                          tracking_numbers=["FOIL-2024-056-00042"])
    record_event(denied, "denied", date(2024, 1, 10), None)
    record_event(denied, "appeal_filed", date(2024, 1, 20), None, {"filed_by": "post"})
    record_event(denied, "appeal_denied", date(2024, 2, 1), None)
    create_litigation(None, "Doe v. NYPD", request_ids=[denied.id])
    raw = support.build_email(to=support.reply_address(denied), attachments=[
        ("letter.pdf", support.make_pdf(["A page about cameras"]), "application", "pdf")])
    deliver_raw(raw, blob_store().put(raw))
    commit()
    return admin


def test_the_document_describes_every_api_route(app, world):
    document = world.client.get("/api/v1/openapi.json").json  # no token needed
    assert document["openapi"].startswith("3.1")
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    routes = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(operations) == len(routes) >= 25
    create = document["paths"]["/api/v1/requests"]["post"]["requestBody"]["content"]["application/json"]
    schema = document["components"]["schemas"][create["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["title"]["type"] == "string" and "agency_id" in schema["required"]
    assert schema["additionalProperties"] is False
    listing = {p["name"]: p for p in document["paths"]["/api/v1/requests"]["get"]["parameters"]}
    assert listing["agency_id"]["schema"]["anyOf"][0]["maximum"] == 2**31 - 1


def _deep(levels: int) -> str:
    return '{"title": "x", "agency_id": 1, "data": ' + "[" * levels + "]" * levels + "}"


@pytest.mark.parametrize(("method", "url", "body", "status", "field"), [
    # Deeply nested JSON: a RecursionError before, now a clear refusal.
    ("post", "/api/v1/requests", _deep(100_000), 400, None),
    ("post", "/api/v1/requests/{id}/events", '{"type": "note", "occurred_on": "2024-02-02", "data": '
                                             + '{"a": ' * 40 + "1" + "}" * 40 + "}", 400, "data"),
    # A lone surrogate in a title: a UnicodeEncodeError before.
    ("post", "/api/v1/requests", '{"agency_id": {agency}, "title": "\\ud800"}', 422, "title"),
    ("patch", "/api/v1/requests/{id}", '{"title": "a\\udfffb"}', 422, "title"),
    ("post", "/api/v1/requests", '{"agency_id": {agency}, "title": "nul \\u0000 inside"}', 422, "title"),
    # A list where text belongs: an AttributeError before.
    ("post", "/api/v1/requests", '{"agency_id": {agency}, "title": ["x"]}', 422, "title"),
    ("patch", "/api/v1/requests/{id}", '{"title": ["x"]}', 422, "title"),
    ("patch", "/api/v1/agencies/{agency}", '{"name": {"x": 1}}', 422, "name"),
    ("post", "/api/v1/litigation", '{"caption": "A v. B", "request_ids": [' + HUGE + "]}", 422, "request_ids.0"),
    # Ids beyond 64 bits in list filters: an OverflowError before.
    ("get", "/api/v1/requests?agency_id=" + HUGE, None, 400, "agency_id"),
    ("get", "/api/v1/requests?campaign=" + HUGE, None, 200, None),
    ("get", "/api/v1/messages?request_id=" + HUGE, None, 400, "request_id"),
    ("get", "/api/v1/appeals?request_id=" + HUGE, None, 400, "request_id"),
    ("get", "/api/v1/litigation?request_id=" + HUGE, None, 400, "request_id"),
    ("get", "/api/v1/requests?q=%00", None, 400, "q"),
])
def test_hostile_inputs_get_4xx_naming_the_field(world, method, url, body, status, field):
    from tracker.extensions import db
    from tracker.models import Agency, Request

    request_id = db.session.scalar(db.select(Request.id))
    agency_id = db.session.scalar(db.select(Agency.id))
    url = url.replace("{id}", str(request_id)).replace("{agency}", str(agency_id))
    if body is not None:
        body = body.replace("{agency}", str(agency_id))
    response = getattr(world, method)(url, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if status >= 400:
        error = response.json["error"]
        assert error["code"] and error["message"]
        if field:
            assert error["field"] == field and field.split(".")[0] in error["message"], error
    assert db.session.scalar(db.select(db.func.count()).select_from(Request)) == 1  # nothing was filed


def _known_ids() -> dict[str, int]:
    """The ids of the world's records, by the name routes give them."""
    from tracker.extensions import db
    from tracker.models import Agency, Appeal, Document, Litigation, Message, Request

    first = {name: db.session.scalar(db.select(model.id).order_by(model.id))
             for name, model in (("request_id", Request), ("agency_id", Agency), ("appeal_id", Appeal),
                                 ("litigation_id", Litigation), ("message_id", Message),
                                 ("document_id", Document))}
    return {**first, "number": 1}


def _strategy(operation, mode, known: dict[str, int]):
    """Cases on the world's own records half the time (so bodies and queries reach the operations), on
    any id the rest of the time."""
    from hypothesis import strategies

    anywhere = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if not names or not all(name in known for name in names):
        return anywhere
    on_records = operation.as_strategy(generation_mode=mode, path_parameters={n: known[n] for n in names})
    return strategies.one_of(on_records, anywhere)


def _fuzz(operation, mode, strategy, headers: dict, failures: list, statuses: dict) -> int:
    """Run EXAMPLES generated cases of one operation; note 5xx answers and exceptions; return the count."""
    from hypothesis import HealthCheck, Phase, given, settings

    calls = 0

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, print_blob=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        nonlocal calls
        calls += 1
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # noqa: BLE001 - an exception out of the app is a failure to report
            failures.append(f"{operation.label} [{mode}] raised {exc!r}: {case.as_curl_command()}")
            return
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failures.append(f"{operation.label} [{mode}] answered {response.status_code} "
                            f"{response.text[:300]}: {case.as_curl_command()}")

    run()
    return calls


@pytest.mark.slow
def test_fuzzing_every_operation_never_gets_a_server_error(app, world, db_backend):
    import schemathesis

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    known = _known_ids()
    headers = {"Authorization": f"Bearer {world.token}"}
    failures, calls, statuses = [], 0, {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            calls += _fuzz(operation, mode, _strategy(operation, mode, known), headers, failures, statuses)
    print("answers by status:", dict(sorted(statuses.items())))
    assert calls >= EXAMPLES * 2 * 25
    assert statuses.get(200, 0) + statuses.get(201, 0) >= calls // 10, statuses  # it reached the records
    assert not failures, f"{len(failures)} of {calls} calls failed:\n" + "\n".join(failures[:20])


def test_the_error_shape_is_kept(world):
    response = world.post("/api/v1/requests", data=json.dumps({"title": "x"}),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert set(response.json) == {"error"} and {"code", "message"} <= set(response.json["error"])
