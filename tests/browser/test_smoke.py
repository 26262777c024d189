"""The chain works: uvicorn serves the whole app on loopback and Chromium talks to it."""

from __future__ import annotations

from playwright.sync_api import Page


def test_chromium_loads_the_health_check_served_by_uvicorn(page: Page) -> None:
    response = page.goto("/healthz")
    assert response is not None
    assert response.status == 200
    assert response.json()["status"] == "ok"
    plans = page.evaluate("fetch('/api/v1/plans').then(r => r.json())")
    assert "av1-year-usd" in {plan["code"] for plan in plans}
