"""Catalog endpoints: the plans on sale, with the terms shown at purchase."""

from __future__ import annotations

from fastapi import APIRouter, Request

from subdesk.catalog import service
from subdesk.catalog.schemas import PlanOut
from subdesk.context import Work
from subdesk.http import public

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/plans", response_model=list[PlanOut])
def list_plans(request: Request) -> object:
    def handler(work: Work) -> list[PlanOut]:
        return [PlanOut.of(offer) for offer in service.list_offers(work.session)]

    return public(request, handler)
