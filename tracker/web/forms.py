"""Reading what people typed into forms and query strings: each value is checked against a pydantic model
(tracker.web.schemas, built from the API's types), and each wrong field gets the API's message."""

from __future__ import annotations

import typing
from datetime import date
from typing import Annotated

from flask import abort, request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from tracker.api.schemas import Id, problems

_ID = TypeAdapter(Id)
# The longest whole number a form takes (a page count, a fee): far beyond any real one.
MAX_DIGITS = 12
# What the form readers below parse with, so every typed value goes through pydantic, as the API's do.
_DAY = TypeAdapter(Annotated[date, Field(strict=False)])
_WHOLE = TypeAdapter(Annotated[int, Field(ge=0, lt=10**MAX_DIGITS, strict=False)])
_DOLLARS = TypeAdapter(Annotated[float, Field(ge=0, allow_inf_nan=False, strict=False)])

M = typing.TypeVar("M", bound=BaseModel)


def _is_list(annotation) -> bool:
    return typing.get_origin(annotation) is list


def model_values(model: type[BaseModel], source) -> dict:
    """The fields of `model` read from a form or query string: every value of a list field, one value of
    the others; text stripped, and an empty value left out (as a form left blank)."""
    out: dict = {}
    for name, info in model.model_fields.items():
        if _is_list(info.annotation):
            if hasattr(source, "getlist"):
                raw = source.getlist(name)
            else:
                raw = source.get(name) or []
                raw = [raw] if isinstance(raw, str) else list(raw)
            values = [str(v).strip() for v in raw if str(v).strip()]
            if values:
                out[name] = values
        else:
            value = source.get(name)
            if value is not None and str(value).strip():
                out[name] = str(value).strip()
    return out


def as_id(text: str) -> int | None:
    """`text` as a record's id (the API's Id: 1 up to what an id column holds), or None if it is not one."""
    try:
        return _ID.validate_python(text.strip())
    except ValidationError:
        return None


def refuse_nul_characters() -> None:
    """Before a page runs: a query or form value holding a NUL character (which PostgreSQL cannot store in
    text, and no person types) is the 400 page naming the field, as the API answers it."""
    if request.blueprint == "api":
        return  # the API checks its own, answering JSON
    for source, what in ((request.args, "a query parameter"), (request.form, "a form field")):
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                shown = name.replace("\x00", "\\x00")[:100]
                abort(400, description=f"{shown}: {what} may not contain NUL characters")


def query_args(model: type[M]) -> M:
    """This request's query string checked against `model`; a wrong value is the 400 page, which names
    the field with the message the API gives for it."""
    try:
        return model.model_validate(model_values(model, request.args))
    except ValidationError as exc:
        abort(400, description=" ".join(problems(exc).values()))


def attempt(operation, *args, **kwargs):
    """Run an operation for a view; a refusal (OperationError) undoes what it flushed, then is raised.

    The view shows the refusal however it likes (a field's message, a flash and a redirect); the request's
    boundary (tracker.dispatch) then commits nothing of the refused operation.
    """
    from tracker.dispatch import rollback
    from tracker.operations import OperationError

    try:
        return operation(*args, **kwargs)
    except OperationError:
        rollback()
        raise


class Form:
    """The posted values (kept to fill the form again) and a message for each field that is wrong."""

    def __init__(self, values=None):
        self.values = values if values is not None else request.form
        self.errors: dict[str, str] = {}
        self.status = 200
        self.result = None

    def __bool__(self) -> bool:  # a Form is "ok" when nothing is wrong
        return not self.errors

    def save(self, operation, *args, field: str = "_form", **kwargs) -> bool:
        """Run an operation (the request's boundary commits it); a refusal becomes a message on its field.

        The operation's result is kept in `result`; on a refusal `status` is the refusal's HTTP status.
        """
        from tracker.operations import OperationError

        try:
            self.result = attempt(operation, *args, **kwargs)
        except OperationError as exc:
            self.error(exc.field or field, exc.message)
            self.status = exc.status
            return False
        return True

    def check(self, model: type[M], **given) -> M | None:
        """The form's values (and `given` ones, already split) checked against `model`, or None with the
        API's message on each field that is wrong (and `status` 422, to show the form again)."""
        try:
            return model.model_validate({**model_values(model, self.values), **given})
        except ValidationError as exc:
            for field, message in problems(exc).items():
                self.error(field.split(".")[0], message)
            self.status = 422
            return None

    def get(self, name: str, default: str = "") -> str:
        """The typed text of a field, stripped."""
        return (self.values.get(name) or default).strip()

    def getlist(self, name: str) -> list[str]:
        """All the values of a multi-valued field (checkboxes, multiple selects)."""
        if hasattr(self.values, "getlist"):
            raw = self.values.getlist(name)
        else:  # a plain dict of preset values: a list, or one value
            raw = self.values.get(name) or []
            raw = [raw] if isinstance(raw, str) else list(raw)
        return [str(v).strip() for v in raw if str(v).strip()]

    def error(self, name: str, message: str) -> None:
        """Record what is wrong with a field (the first message wins)."""
        self.errors.setdefault(name, message)

    def required(self, name: str, what: str) -> str:
        """A field that must not be empty."""
        value = self.get(name)
        if not value:
            self.error(name, f"Enter {what}.")
        return value

    def date(self, name: str, what: str, *, required: bool = True) -> date | None:
        """A date typed YYYY-MM-DD (what <input type=date> sends)."""
        text = self.get(name)
        if not text:
            if required:
                self.error(name, f"Enter {what}.")
            return None
        try:
            return _DAY.validate_python(text)
        except ValidationError:
            self.error(name, f"“{text}” is not a real date. Write {what} as YYYY-MM-DD, e.g. 2024-03-15.")
            return None

    def whole_number(self, name: str, what: str) -> int | None:
        """A whole number 0 or more, or None when left empty."""
        text = self.get(name).replace(",", "")
        if not text:
            return None
        try:
            return _WHOLE.validate_python(text)
        except ValidationError:
            self.error(name, f"Enter {what} as a whole number, e.g. 120.")
            return None

    def amount(self, name: str, what: str) -> float | None:
        """An amount in dollars ('12.50', '$12.50'), or None when left empty."""
        text = self.get(name).replace("$", "").replace(",", "")
        if not text:
            return None
        try:
            value = _DOLLARS.validate_python(text)
        except ValidationError as exc:
            below = any(e["type"] == "greater_than_equal" for e in exc.errors())
            self.error(name, f"Enter {what} in dollars, 0 or more." if below else
                       f"Enter {what} in dollars, e.g. 12.50.")
            return None
        return round(value, 2)

    def operation_error(self, exc, default_field: str = "_form") -> None:
        """Show an operation's message next to the field it names (or above the form)."""
        from tracker.web.filters import plain_words

        field = (exc.field or default_field).removeprefix("data.")
        text = plain_words(exc.message)
        self.error(field, text if text.endswith(".") else text + ".")
