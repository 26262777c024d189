"""The staff dashboards: seeded cases, cancellations, refunds and subscriptions on known days
give exact numbers in the charts, their tables and each CSV; only staff reach them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.clock import TestClock
from subdesk.db import Database
from subdesk.models import Refund
from tests.agent.console import Console, Member, console
from tests.agent.dashboard_data import seed_two_weeks
from tests.portal.pages import Visitor

PAGE = "/agent/dashboard"
WEEK = PAGE + "?days=7"


@dataclass
class Seeded:
    staff: Console
    refund_minor: int


@pytest.fixture
def seeded(
    app: FastAPI, client: TestClient, clock: TestClock, database: Database, agent: Member
) -> Seeded:
    seed_two_weeks(client, clock, database)
    with database.transaction() as session:
        (refund,) = session.scalars(select(Refund.amount_minor))
    return Seeded(console(app, clock, agent), refund)


def test_the_dashboard_counts_open_cases_by_age_and_priority(seeded: Seeded) -> None:
    page = seeded.staff.client.get(WEEK)
    assert page.status_code == 200, page.text
    text = page.text
    assert '<title id="chart-cases-title">Open cases by age and priority</title>' in text
    assert "4 open cases, by how long they have been open" in text
    for title in (
        "Under 1 day: 1 urgent",
        "Under 1 day: 1 normal",
        "1 to 3 days: 1 high",
        "Over 7 days: 1 normal",
    ):
        assert f'data-value="1"><title>{title}</title>' in text
    assert ": 1 low" not in text  # the low one is resolved
    assert '<td data-priority="all">2</td>' in text


def test_the_dashboard_shows_cancellations_and_refunds_per_day(seeded: Seeded) -> None:
    assert seeded.refund_minor == 499  # the monthly price, within the guarantee
    text = seeded.staff.client.get(WEEK).text
    assert "2 confirmed cancellations: 1 at once, 1 at the period&#39;s end." in text
    assert "<title>2026-01-24: 1 at once</title>" in text
    assert "<title>2026-01-25: 1 at the period&#39;s end</title>" in text
    assert (
        '<tr data-day="2026-01-24"><th scope="row">2026-01-24</th>'
        "<td>1</td><td>0</td><td>1</td></tr>"
    ) in text
    assert "Refunds: 1 in USD totalling $4.99." in text
    assert "<title>2026-01-24: 1 USD refunds</title>" in text
    assert '<td data-minor="499">$4.99</td>' in text


def test_the_dashboard_draws_mrr_and_churn(seeded: Seeded) -> None:
    text = seeded.staff.client.get(WEEK).text
    # Yearly $49.99 is $4.17 a month (4999 / 12 rounded half up); monthly $4.99.
    usd = {21: 1333, 22: 1333, 23: 1333, 24: 834, 25: 417, 26: 417, 27: 417}
    for day, amount in usd.items():
        assert f'data-value="{amount}"><title>2026-01-{day}: ${amount / 100:.2f}</title>' in text
    assert "MRR in USD from $13.33 on 2026-01-21 to $4.17 on 2026-01-27." in text
    assert "MRR in EUR from €0.00 on 2026-01-21 to €4.17 on 2026-01-27." in text
    assert '<title id="chart-mrr-USD-title">MRR in USD</title>' in text
    assert (
        '<tr data-first="2026-01-21"><th scope="row">2026-01-21 to 2026-01-27</th>'
        "<td>2</td><td>1</td><td>50.0%</td></tr>"
    ) in text


def test_the_dashboard_draws_churn_per_period_with_no_data_apart_from_zero(
    seeded: Seeded,
) -> None:
    text = seeded.staff.client.get(PAGE + "?days=14").text
    assert '<title id="chart-churn-title">Churn per period</title>' in text
    assert (
        "Churn per period of up to 7 days, 2026-01-14 to 2026-01-27: the highest 50.0% "
        "(2026-01-21 to 2026-01-27); 1 of 2 periods without data."
    ) in text
    # Nobody was counted at the end of Jan 13: no data, not 0 %.
    assert 'data-value="none"><title>2026-01-14 to 2026-01-20: no data</title>' in text
    # 1 of the 2 yearly USD ones counted at the end of Jan 20 stopped on Jan 25: 1/2, exactly,
    # drawn 50 / 60 of the 186-pixel plot high on an axis of 0 to 60 %.
    assert (
        'height="155.0" fill="#a4161a" data-value="1/2">'
        "<title>2026-01-21 to 2026-01-27: 50.0%</title>"
    ) in text
    assert '<text x="58" y="13.0" text-anchor="end">60%</text>' in text
    assert (
        '<tr data-first="2026-01-14"><th scope="row">2026-01-14 to 2026-01-20</th>'
        "<td>0</td><td>0</td><td>no data</td></tr>"
    ) in text


def test_each_series_downloads_as_csv(seeded: Seeded) -> None:
    expected = {
        "cancellations": [
            "day,now,period_end,total",
            "2026-01-21,0,0,0",
            "2026-01-22,0,0,0",
            "2026-01-23,0,0,0",
            "2026-01-24,1,0,1",
            "2026-01-25,0,1,1",
            "2026-01-26,0,0,0",
            "2026-01-27,0,0,0",
        ],
        "refunds": [
            "day,currency,refunds,amount_minor,amount",
            *[f"2026-01-{d},USD,0,0,$0.00" for d in (21, 22, 23)],
            "2026-01-24,USD,1,499,$4.99",
            *[f"2026-01-{d},USD,0,0,$0.00" for d in (25, 26, 27)],
        ],
        "mrr": [
            "day,currency,mrr_minor,mrr",
            *[f"2026-01-{d},EUR,0,€0.00" for d in (21, 22)],
            *[f"2026-01-{d},EUR,417,€4.17" for d in (23, 24, 25, 26, 27)],
            *[f"2026-01-{d},USD,1333,$13.33" for d in (21, 22, 23)],
            "2026-01-24,USD,834,$8.34",
            *[f"2026-01-{d},USD,417,$4.17" for d in (25, 26, 27)],
        ],
        "churn": [
            "first_day,last_day,active_at_start,churned,churn",
            "2026-01-21,2026-01-27,2,1,50.0%",
        ],
    }
    for series, lines in expected.items():
        response = seeded.staff.client.get(f"{PAGE}/{series}.csv?days=7")
        assert response.status_code == 200, series
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="{series}-2026-01-21-2026-01-27.csv"'
        )
        assert response.text.splitlines() == lines, series


def test_the_cases_csv_has_every_age_and_priority(seeded: Seeded) -> None:
    response = seeded.staff.client.get(f"{PAGE}/cases.csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = response.text.splitlines()
    assert rows[0] == "age,age_label,priority,open_cases"
    assert len(rows) == 1 + 4 * 4
    assert "under_1_day,Under 1 day,urgent,1" in rows
    assert "under_1_day,Under 1 day,normal,1" in rows
    assert "1_to_3_days,1 to 3 days,high,1" in rows
    assert "over_7_days,Over 7 days,normal,1" in rows
    assert "under_1_day,Under 1 day,low,0" in rows
    assert sum(int(row.rsplit(",", 1)[1]) for row in rows[1:]) == 4


def test_the_default_range_is_the_last_30_days(as_agent: Console) -> None:
    page = as_agent.client.get(PAGE)
    assert page.status_code == 200
    assert "The last 30 days, 2025-12-17 to 2026-01-15 (UTC days)." in page.text
    csv = as_agent.client.get(f"{PAGE}/cancellations.csv").text.splitlines()
    assert len(csv) == 1 + 30


@pytest.mark.parametrize("days", ["6", "367", "abc", "-7"])
def test_a_range_outside_7_to_366_days_is_refused(as_agent: Console, days: str) -> None:
    page = as_agent.client.get(f"{PAGE}?days={days}")
    assert page.status_code == 400
    assert "Choose from 7 to 366 days." in page.text
    assert as_agent.client.get(f"{PAGE}/mrr.csv?days={days}").status_code == 400


def test_an_unknown_series_is_not_found(as_agent: Console) -> None:
    assert as_agent.client.get(f"{PAGE}/payments.csv").status_code == 404


def test_every_staff_role_sees_the_dashboard_from_the_nav(
    as_agent: Console, as_supervisor: Console, as_admin: Console
) -> None:
    for staff in (as_agent, as_supervisor, as_admin):
        assert f'<a href="{PAGE}">Dashboards</a>' in staff.client.get("/agent").text
        assert staff.client.get(PAGE).status_code == 200


@pytest.mark.parametrize("path", [PAGE, f"{PAGE}/mrr.csv"])
def test_a_customer_session_cannot_reach_the_dashboard(client: TestClient, path: str) -> None:
    Visitor(client).sign_up()
    assert client.get("/account").status_code == 200
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/agent/sign-in")


def test_an_unsigned_visitor_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/sign-in?next=/agent/dashboard"
