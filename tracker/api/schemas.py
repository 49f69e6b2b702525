"""The shapes the JSON API accepts, as pydantic models that both validate requests and describe them in
the OpenAPI document (`GET /api/v1/openapi.json`, built by tracker.api.openapi from these same models).

Describing a new endpoint is one step: write a model for what it accepts and name it in `@described`,
under the route and permission decorators:

    class CampaignCreate(Body):
        name: Text
        slug: Text | None = None

    @bp.post("/campaigns")
    @requires("campaign.edit")
    @described(body=CampaignCreate)
    def create_campaign():
        data = json_body()          # already checked: the fields the client sent, with their types right

`body=` is a JSON object (`Body`: strict types, unknown fields refused with 400 unknown_field),
`query=` the query string (`Query`: numbers parsed from text; ids bounded to 64 bits; 400 invalid_filter),
`form=` a multipart form (`Form`, files documented as binary). Without `@described` an endpoint is still
in the document (path and id parameters), and its JSON body still gets the generic checks of
tracker.api.json_body (valid JSON, not nested too deep, no lone surrogates or NUL characters). Domain
rules (dates, known agencies, allowed transitions) stay in the operations, which answer with their own
codes; these models check the types, so no operation ever sees a list where it expects text.
"""

from __future__ import annotations

from functools import wraps
from typing import Annotated, Any, ClassVar

from email_validator import EmailNotValidError, validate_email
from flask import g, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from tracker.models.base import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID, description="a record's id")]
Text = Annotated[str, Field(max_length=100_000)]
Date = Annotated[str, Field(description="a date, YYYY-MM-DD", json_schema_extra={"format": "date"})]
Names = Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=1000)]


def _one_address(value: str) -> str:
    """One email address (or nothing): never a list, a display name or a line break that would add a
    header to the letters sent to it."""
    value = value.strip()
    if not value:
        return ""
    if any(c in value for c in "\r\n,;<>"):
        raise ValueError("give one email address, without a name, a list or a line break")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not an email address: {exc}") from None


Address = Annotated[str, Field(max_length=320, description="one email address, or empty for none",
                               json_schema_extra={"format": "email"}), AfterValidator(_one_address)]


class Body(BaseModel):
    """A JSON request body: exact types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """Query-string parameters: text read as numbers where a number is expected."""

    model_config = ConfigDict(extra="ignore")


class Form(BaseModel):
    """A multipart form's text fields (files are listed for the document, checked by the endpoint)."""

    model_config = ConfigDict(extra="forbid")


class Paged(Query):
    page: int = Field(1, ge=1, le=1_000_000, description="page number, from 1")
    per_page: int = Field(50, ge=1, le=500, description="rows per page")


# Agencies ---------------------------------------------------------------------------------------------

# An agency's text fields, as long as their columns hold (the API and the agency form share them).
AgencyName = Annotated[str, Field(max_length=300)]
ShortName = Annotated[str, Field(max_length=40)]
Jurisdiction = Annotated[str, Field(max_length=200)]
OfficerName = Annotated[str, Field(max_length=300)]
PortalUrl = Annotated[str, Field(max_length=500)]
# As long as their columns hold: a campaign's name, an agency's tracking number for a request or an appeal.
CampaignName = Annotated[str, Field(max_length=300)]
TrackingNumber = Annotated[str, Field(max_length=100)]
PersonName = Annotated[str, Field(max_length=200)]


class AgencyFields(Body):
    name: AgencyName | None = None
    short_name: ShortName | None = None
    jurisdiction: Jurisdiction | None = None
    foil_email: Address | None = None
    appeals_email: Address | None = None
    appeals_officer: OfficerName | None = None
    appeals_address: Text | None = None
    portal_url: PortalUrl | None = None
    tracking_patterns: Names | None = Field(None, description="regular expressions of its tracking numbers")
    closure_days: list[Date] | None = Field(None, description="days it was closed, YYYY-MM-DD")
    senders: Names | None = Field(None, description="further addresses and domains it writes from")
    closure_calendar: Text | None = Field(None, description="the days its own clocks count: statute (GCL §24 "
                                          "holidays, the default) or nyc (also the city's observed closures)")


class AgencyCreate(AgencyFields):
    name: AgencyName


# Requests ---------------------------------------------------------------------------------------------

class RequestList(Paged):
    agency_id: Id | None = None
    agency: str | None = Field(None, description="an agency's short name")
    campaign: str | None = Field(None, description="a campaign's id or name")
    status: str | None = None
    assignee: str | None = Field(None, description="an assignee's email")
    q: str | None = Field(None, description="words in the title, reference or a tracking number")


class TrackingNumberEntry(Body):
    number: TrackingNumber
    kind: Text = Field("request", description="request or appeal")


TrackingNumbers = Annotated[list[TrackingNumber | TrackingNumberEntry],
                            Field(max_length=1000, description="numbers, or {number, kind} objects")]


class RequestCreate(Body):
    agency_id: int = Field(description="the agency the request is filed with")
    title: Text = ""
    description: Text = ""
    received_on: Date | None = Field(None, description="logs it as submitted that day")
    campaign: Text | Id | None = None
    tracking_numbers: TrackingNumbers | None = None
    assignees: Names | None = Field(None, description="emails of the people following it")
    visibility: Text = "internal"


class RequestPatch(Body):
    title: Text | None = None
    description: Text | None = None
    assignees: Names | None = None
    tracking_numbers: TrackingNumbers | None = None
    visibility: Text | None = None
    campaign: Text | Id | None = None


class RequestView(Query):
    as_of: Date | None = Field(None, description="the request as it stood at the end of that day")


class EventCreate(Body):
    type: Text = Field(description="submitted, acknowledged, denied, appeal_filed, ... (see the README)")
    occurred_on: Date
    data: dict[str, Any] | None = None
    note: Text | None = None


# Mail, documents --------------------------------------------------------------------------------------

class MessageList(Paged):
    status: str | None = Field(None, description="delivered, unmatched or rejected")
    request_id: Id | None = None


class MessageAssign(Body):
    request_id: int
    learn_sender: bool = Field(True, description="also file this sender's later emails on the request")


class DocumentPatch(Body):
    visibility: Text | None = Field(None, description="public, internal or privileged")


class DocumentUpload(Form):
    released_on: Date
    visibility: str | None = Field(None, description="public, internal (the default) or privileged")
    event_id: str | None = None
    file: list[bytes] = Field(description="one or more files, as parts named 'file'")


# Appeals and litigation -------------------------------------------------------------------------------

class AppealList(Paged):
    request_id: Id | None = None
    outcome: str | None = None
    campaign: Id | None = None


class AppealLetterSend(Body):
    # Each may be left out (the draft's own is used) but not sent as null: a letter needs a subject.
    to: Text = Field(None, description="left out: the agency's appeals address")
    subject: Text = Field(None, description="left out: the draft's subject")
    body: Text = Field(None, description="left out: the draft's text")
    tracking_number: TrackingNumber = Field(None, description="the agency's appeal number, if it gave one")


class AppealPatch(Body):
    tracking_number: TrackingNumber | None = None
    letter: Text | None = None
    outcome: Text | None = None
    decided_on: Date | None = None


class LitigationList(Paged):
    request_id: Id | None = None
    outcome: str | None = None


class LitigationCreate(Body):
    caption: Text = ""
    court: Text | None = None
    index_number: Text = ""
    judge: Text = ""
    filed_on: Date | None = None
    request_ids: list[Id] | None = None


class LitigationPatch(Body):
    caption: Text | None = None
    court: Text | None = None
    index_number: Text | None = None
    judge: Text | None = None
    filed_on: Date | None = None
    decided_on: Date | None = None
    decision: Text | None = None
    outcome: Text | None = None
    request_ids: list[Id] | None = None


# Campaigns, people, the audit trail --------------------------------------------------------------------

class CampaignFields(Body):
    name: CampaignName | None = None
    description: Text | None = None
    slug: Text | None = Field(None, description="the public page's address: /public/<slug>/")
    agency_id: Id | None = None
    letter_template: Text | None = None
    public: bool | None = None
    findings_licence: str | None = Field(None, max_length=100,
                                         description="the licence of its findings as open data, e.g. CC-BY-4.0")
    precincts: dict[str, list[str | int]] | None = Field(
        None, description="the police precincts serving each neighborhood, named in residents' letters: "
                          "{\"BK0101\": [\"94\"]}")


class CampaignCreate(CampaignFields):
    name: CampaignName


class UserPatch(Body):
    # These fields are refused as 422, as the endpoint always did.
    unknown_field_status: ClassVar[int] = 422
    active: bool


class AuditList(Paged):
    request: Id | None = Field(None, description="a request's id")
    user: Id | None = Field(None, description="a person's id, as actor or subject")


# Search -----------------------------------------------------------------------------------------------

class SearchQuery(Query):
    q: str | None = Field(None, description="words, \"phrases\", AND/OR/NOT, prefix*, field:value")
    agency: str | None = None
    campaign: str | None = None
    year: str | None = None
    type: str | None = None
    sort: str | None = Field(None, description="relevance (the default) or date")
    page: str | None = None
    per_page: str | None = None


# Checking ---------------------------------------------------------------------------------------------

def _field(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"])


def problems(exc: ValidationError) -> dict[str, str]:
    """Each field pydantic found wrong, with the message the API and the pages both show for it.

    The field is named in the message ("agency_id: Input should be less than or equal to ..."), so an
    error read out of context still says which value to fix.
    """
    found: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        field = _field(error)
        found.setdefault(field, f"{field}: {error['msg'][:300]}")
    return found


def _problem(exc: ValidationError, status: int, code: str, unknown_status: int = 400):
    """The ApiError for the first problem pydantic found, naming its field."""
    from tracker.api import ApiError

    errors = exc.errors(include_url=False, include_input=False)
    unknown = sorted({str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden"})
    if unknown:
        return ApiError(unknown_status, "unknown_field", f"unknown fields: {', '.join(unknown)}", unknown[0])
    field, message = next(iter(problems(exc).items()))
    if code == "invalid_filter" and field.split(".")[0] in ("page", "per_page"):
        code = "invalid_page"
    return ApiError(status, code, message, field)


def described(*, body: type[Body] | None = None, query: type[Query] | None = None,
              form: type[Form] | None = None):
    """Check the request against these models before the view runs, and list them in the document."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from tracker.api import read_json

            if query is not None:
                try:
                    # An empty parameter (?agency_id=) means no filter, as the endpoints read it.
                    query.model_validate({k: v for k, v in request.args.items() if v != ""})
                except ValidationError as exc:
                    raise _problem(exc, 400, "invalid_filter") from None
            if body is not None:
                try:
                    checked = body.model_validate(read_json())
                except ValidationError as exc:
                    raise _problem(exc, 422, "invalid", getattr(body, "unknown_field_status", 400)) from None
                g.api_body = checked.model_dump(exclude_unset=True)
            # A form is checked by its endpoint (files and all); its model documents it.
            return view(*args, **kwargs)

        wrapper.api_schemas = {"body": body, "query": query, "form": form}
        return wrapper

    return decorate
