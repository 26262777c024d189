"""What free text and numbers the public sends may hold: no control characters, ASCII digits.

Control characters are refused rather than stripped: a NUL cannot be stored on PostgreSQL
(SQLite would keep it), and silently changing what someone typed hides the problem from
them. Tabs and line breaks are text and stay; so does every printable character.
"""

from __future__ import annotations

import re

from subdesk.errors import InvalidRequest

# C0 controls but tab, newline and carriage return; DEL; C1 controls; lone surrogates
# (JSON's "\ud800" decodes to one and no database can encode it).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def check_text(value: str, field: str | None = None) -> str:
    """`value` if it holds no control character; else the field's 400."""
    if has_control_characters(value):
        raise InvalidRequest(
            "This text holds a control character (such as NUL); remove it and send it again.",
            code="control_character",
            field=field,
        )
    return value


def is_ascii_digits(value: str) -> bool:
    """0-9 only: `str.isdigit()` also takes "²" and Arabic-Indic digits, which int() reads
    or refuses."""
    return value.isascii() and value.isdigit()
