"""Free text in form fields and query parameters, refused when it holds a control character."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import AfterValidator

from subdesk.text import has_control_characters


def _no_control_characters(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


# The same check the API's request bodies make (subdesk.schemas.Input).
CleanText = AfterValidator(_no_control_characters)
FormText = Annotated[str, Form(), CleanText]
QueryText = Annotated[str, CleanText]
