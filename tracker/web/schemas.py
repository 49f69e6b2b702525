"""What the pages accept in their query strings and forms, as pydantic models built from the API's types.

One validation layer for the API and the pages: these models use the API's own building blocks
(tracker.api.schemas: ids bounded to what an id column holds, bounded text), and tracker.web.forms checks
`request.args` or `request.form` against them, answering 400 (or the form again) with the API's message
naming the field. Text fields arrive stripped; an empty field is a field left out.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tracker.api.schemas import (
    Address,
    AgencyName,
    CampaignName,
    Id,
    Jurisdiction,
    OfficerName,
    PersonName,
    PortalUrl,
    ShortName,
    Text,
    TrackingNumber,
)

# Far beyond any real list or document, and small enough that a row offset stays a database integer.
MAX_PAGE = 1_000_000

PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description="page number, from 1")]
ShortText = Annotated[str, Field(max_length=1000)]


class PageQuery(BaseModel):
    """A page's query string: numbers read from text, parameters the model does not name ignored."""

    model_config = ConfigDict(extra="ignore")


class PageForm(BaseModel):
    """A posted form: numbers read from text; the CSRF token and buttons are not the model's business."""

    model_config = ConfigDict(extra="ignore")


class Paging(PageQuery):
    page: PageNumber = 1


class RequestFilters(Paging):
    """The request list's filters (/requests/ and the bulk page)."""

    agency: Id | None = None
    campaign: Id | None = None
    assignee: Id | None = Field(None, description="a person's id (or \"me\", read before this check)")
    nta: ShortText | None = None
    status: ShortText | None = None
    window: ShortText | None = None
    q: ShortText | None = None
    sort: ShortText | None = None
    added: Id | None = None


class SearchPage(Paging):
    """The search pages (/search and /public/search)."""

    q: ShortText | None = None
    campaign: ShortText | None = None


class DocumentPage(PageQuery):
    """A document's page number (/documents/<id>, /public/documents/<id>)."""

    page: PageNumber = 1


class CampaignChoice(PageQuery):
    campaign: Id | None = None


class NewRequestForm(PageForm):
    """Filing a request with one agency or many."""

    agency: list[Id] = Field(default_factory=list)
    campaign: Id | None = None
    assignee: list[ShortText] = Field(default_factory=list)
    tracking_number: TrackingNumber | None = None


class LitigationForm(PageForm):
    """A new lawsuit's covered requests: numbers separated by commas or spaces."""

    request_ids: list[Id] = Field(default_factory=list)


class MessageAssignForm(PageForm):
    """Putting an unmatched message on a request: our reference or a number typed, or a suggestion."""

    reference: Text | None = None
    request_id: Id | None = None
    page: PageNumber = 1


class AgencyForm(PageForm):
    """An agency's text fields, as the API checks them: lengths its columns hold, one address each."""

    name: AgencyName | None = None
    short_name: ShortName | None = None
    jurisdiction: Jurisdiction | None = None
    foil_email: Address | None = None
    appeals_email: Address | None = None
    appeals_officer: OfficerName | None = None
    portal_url: PortalUrl | None = None


class CampaignForm(PageForm):
    """A new campaign, as the API checks it."""

    name: CampaignName | None = None


class AppealForm(PageForm):
    """An appeal's tracking number (on its page, or with the letter that files it), as the API checks it."""

    tracking_number: TrackingNumber | None = None


class InviteForm(PageForm):
    """Someone invited to the service: one email address, a name as long as its column holds."""

    email: Address | None = None
    name: PersonName | None = None
