"""The trust team's commands: official channels, reported numbers and known scams."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from subdesk.cli import app
from tests.conftest import TEST_SIGNING_SEED


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SUBDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("SUBDESK_SIGNING_KEY", TEST_SIGNING_SEED)
    monkeypatch.setenv("SUBDESK_SANDBOX_LEDGER", "")
    return CliRunner()


def test_the_registry_is_managed_from_the_command_line(run: CliRunner) -> None:
    added = run.invoke(
        app, ["trust", "add-phone", "+1 800 555 0199", "--purpose", "support", "--hours", "24/7"]
    )
    web = run.invoke(app, ["trust", "add-domain", "shield.example"])
    mail = run.invoke(app, ["trust", "add-email-domain", "mail.shield.example"])
    assert (added.exit_code, web.exit_code, mail.exit_code) == (0, 0, 0), added.output
    listed = run.invoke(app, ["trust", "list"])
    assert "+18005550199" in listed.output
    assert "mail.shield.example" in listed.output
    removed = run.invoke(app, ["trust", "remove", "web", "shield.example", "--reason", "moved"])
    assert removed.exit_code == 0
    assert "web" not in run.invoke(app, ["trust", "list"]).output.replace("kind", "")


def test_a_refused_change_prints_why_and_exits_1(run: CliRunner) -> None:
    result = run.invoke(app, ["trust", "add-phone", "12345", "--purpose", "x"])
    assert result.exit_code == 1
    assert "not a valid phone number" in result.output


def test_a_marked_number_is_a_known_scam_in_checks_and_reports(run: CliRunner) -> None:
    marked = run.invoke(app, ["trust", "mark-scam", "1-888-555-0143", "--reason", "reported"])
    assert marked.exit_code == 0, marked.output
    checked = run.invoke(app, ["trust", "check", "(888) 555-0143", "--as", "phone"])
    assert "likely_scam" in checked.output
    assert run.invoke(app, ["trust", "reports"]).exit_code == 0
    unmarked = run.invoke(app, ["trust", "unmark-scam", "+18885550143", "--reason", "mistake"])
    assert unmarked.exit_code == 0
