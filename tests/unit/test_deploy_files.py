"""The Grafana dashboard and the alert rules under deploy/ parse, and name only families
subdesk exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
FAMILIES = {
    "subdesk_http_requests_total", "subdesk_http_request_duration_seconds_bucket",
    "subdesk_license_check_ins_total", "subdesk_renewals_total", "subdesk_charges_total",
    "subdesk_refunds_total", "subdesk_payment_attempts", "subdesk_worker_lag_seconds",
    "subdesk_worker_last_pass_timestamp_seconds", "subdesk_outbox_emails_backlog",
    "subdesk_emails_failed", "subdesk_outbox_emails_oldest_age_seconds",
    "subdesk_webhook_deliveries_oldest_age_seconds", "subdesk_webhook_deliveries_backlog",
    "subdesk_webhook_deliveries_failed", "subdesk_cases_open", "subdesk_database_up",
}  # fmt: skip


def _names(expr: str) -> set[str]:
    return set(re.findall(r"\bsubdesk_[a-z_]+", expr))


def test_the_dashboard_queries_known_families() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "subdesk.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert set().union(*map(_names, exprs)) <= FAMILIES


def test_the_alert_rules_cover_lag_outbox_errors_and_charge_failures() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    alerts = {r["alert"]: r["expr"] for group in rules["groups"] for r in group["rules"]}
    assert {"SubdeskWorkerLagging", "SubdeskOutboxStuck", "SubdeskHighErrorRate",
            "SubdeskChargeFailureRate"} <= set(alerts)  # fmt: skip
    assert set().union(*map(_names, alerts.values())) <= FAMILIES
