"""The console's front page: one search box and the customers it finds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import render, staff
from subdesk.support.rules import Permission, require
from subdesk.support.search import find_customers

router = APIRouter(include_in_schema=False)
MAX_QUERY = 200


@router.get("/agent", response_class=HTMLResponse)
def search_page(request: Request, q: str = "") -> Response:
    query = q.strip()[:MAX_QUERY]
    with staff(request) as (work, member):
        require(member.role, Permission.VIEW_CUSTOMERS)
        hits = find_customers(work, query) if query else []
        return render(request, "search.html", {"q": query, "hits": hits}, member=member)
