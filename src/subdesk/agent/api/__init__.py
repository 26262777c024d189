"""The agent API under /api/v1/agent: JSON over the support desk's services, for staff
holding a token (password and TOTP code); every role checked as in the console."""

from __future__ import annotations

from fastapi import APIRouter

from subdesk.agent.api import (
    actions,
    billing_problems,
    cases,
    customers,
    exceptions,
    staff,
    tokens,
)

router = APIRouter()
for _module in (tokens, customers, actions, cases, exceptions, billing_problems, staff):
    router.include_router(_module.router)
