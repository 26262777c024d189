"""The agent API's staff list, for admins: who has access, with which role (no secrets)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from subdesk.agent.api.access import RESPONSES, StaffBearer, as_staff
from subdesk.agent.api.schemas import StaffOut
from subdesk.context import Work
from subdesk.models import StaffMember
from subdesk.support import staff as staff_accounts
from subdesk.support.rules import Permission, require

router = APIRouter(prefix="/api/v1/agent", tags=["agent"], responses=RESPONSES)


@router.get("/staff", response_model=list[StaffOut])
def list_staff(request: Request, bearer: StaffBearer) -> object:
    def handler(work: Work, member: StaffMember) -> list[StaffOut]:
        require(member.role, Permission.MANAGE_STAFF)
        return [StaffOut.model_validate(s) for s in staff_accounts.list_staff(work)]

    return as_staff(request, bearer, handler)
