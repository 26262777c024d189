"""Stripe's form encoding: `metadata[attempt]=a1&card[number]=4242...` to nested dicts."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from subdesk.billing.processor.errors import ApiError, invalid_request

KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
PART = re.compile(r"\[([^\[\]]*)\]")
MAX_DEPTH = 5


def parse_form(raw: bytes | str) -> dict[str, Any]:
    """The parameters of a form body or query string; malformed input is a 400, never a crash."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError):
        raise invalid_request("The request body could not be parsed as a form.") from None
    params: dict[str, Any] = {}
    for key, value in pairs:
        _assign(params, _path(key), value, key)
    return params


def _path(key: str) -> list[str]:
    match = KEY.match(key)
    if match is None:
        raise invalid_request(f"Invalid parameter name: {key[:100]}", param=key[:100])
    parts = [match.group(1), *PART.findall(match.group(2))]
    if len(parts) > MAX_DEPTH:
        raise invalid_request("Parameters are nested too deeply.", param=match.group(1))
    return parts


def _assign(params: dict[str, Any], path: list[str], value: str, key: str) -> None:
    append = path[-1] == ""  # `expand[]=x` adds to a list; `a[0]=x` is kept by index
    names = path[:-1] if append else path
    if "" in names:
        raise _conflict(key)
    node = params
    for name in names[:-1]:
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            raise _conflict(key)
        node = child
    last = names[-1]
    if append:
        items = node.setdefault(last, [])
        if not isinstance(items, list):
            raise _conflict(key)
        items.append(value)
    elif last in node:
        raise _conflict(key)
    else:
        node[last] = value


def _conflict(key: str) -> ApiError:
    return invalid_request(f"Invalid value for parameter {key[:100]}.", param=key[:100])
