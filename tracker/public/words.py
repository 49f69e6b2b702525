"""What the public pages and residents' emails call the lifecycle's statuses, events and deadlines, and
what happens next at each status, in the visitor's language (the vocabulary itself is tracker.lifecycle's).
"""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Not sent to the agency yet"),
    "submitted": _l("Sent to the agency"),
    "acknowledged": _l("Acknowledged by the agency"),
    "extended": _l("The agency extended its time"),
    "granted": _l("Granted"),
    "partially_granted": _l("Partly granted"),
    "denied": _l("Denied"),
    "no_records": _l("The agency says it has no records"),
    "constructively_denied": _l("The agency missed its deadline"),
    "appeal_filed": _l("Under appeal"),
    "appeal_granted": _l("Appeal granted"),
    "appeal_denied": _l("Appeal denied"),
    "appeal_constructively_denied": _l("The agency missed the appeal deadline"),
    "in_litigation": _l("In court"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
}
EVENT_LABELS = {
    "submitted": _l("Sent to the agency"),
    "acknowledged": _l("The agency acknowledged it"),
    "extended": _l("The agency extended its time"),
    "records_released": _l("Records released"),
    "granted": _l("Granted"),
    "partially_granted": _l("Partly granted"),
    "denied": _l("Denied"),
    "no_records": _l("The agency said it has no records"),
    "appeal_filed": _l("Appeal filed"),
    "appeal_granted": _l("Appeal granted"),
    "appeal_denied": _l("Appeal denied"),
    "article78_filed": _l("Taken to court (Article 78)"),
    "fee_requested": _l("The agency asked for a fee"),
    "fee_paid": _l("Fee paid"),
    "clarification_requested": _l("The agency asked for a clarification"),
    "clarification_answered": _l("Clarification sent"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
}
DEADLINE_LABELS = {
    "acknowledgment": _l("The agency must acknowledge or answer by"),
    "determination": _l("The agency must decide by"),
    "date_certain": _l("The agency promised an answer by"),
    "appeal": _l("Last day to appeal"),
    "appeal_determination": _l("The agency must decide the appeal by"),
    "article78": _l("Last day to go to court"),
}
NEXT_STEPS = {
    "draft": _l("Once the letter is sent, the agency has five business days to acknowledge it or answer."),
    "submitted": _l("The agency has five business days from receiving the letter to acknowledge it or answer."),
    "acknowledged": _l("The agency must now grant or deny the request, or give a date by which it will."),
    "extended": _l("The agency gave itself more time; we keep track of the date it gave."),
    "granted": _l("Released records appear on your neighborhood's page when the campaign publishes them."),
    "partially_granted": _l("Released records appear on your neighborhood's page when the campaign publishes "
                            "them; the campaign's lawyers decide whether to appeal what was withheld."),
    "denied": _l("The campaign's lawyers decide whether to appeal; an appeal must be filed within 30 days."),
    "no_records": _l("The campaign's lawyers decide whether to appeal; an appeal must be filed within 30 days."),
    "constructively_denied": _l("The agency did not answer in time, which counts as a denial; the campaign's "
                                "lawyers decide whether to appeal."),
    "appeal_filed": _l("The agency has ten business days to decide the appeal."),
    "appeal_granted": _l("Released records appear on your neighborhood's page when the campaign publishes them."),
    "appeal_denied": _l("The campaign's lawyers decide whether to go to court."),
    "appeal_constructively_denied": _l("The agency did not decide the appeal in time; the campaign's lawyers "
                                       "decide whether to go to court."),
    "in_litigation": _l("A court is deciding; a lawyer of the campaign will contact you."),
    "closed": _l("Nothing more happens on this request."),
    "withdrawn": _l("Nothing more happens on this request."),
}


def letter_in_spanish_applies(campaign) -> bool:
    """Whether the Spanish account of the letter is true of this campaign's letter (the default one)."""
    from tracker.operations.campaigns import DEFAULT_LETTER

    return not campaign.letter_template or campaign.letter_template.strip() == DEFAULT_LETTER.strip()


def long_date(day: date) -> str:
    """A date written out in the page's language: "December 7, 2026", "7 de diciembre de 2026"."""
    return format_date(day, "long")
