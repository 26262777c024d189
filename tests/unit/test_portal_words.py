"""The portal's words: every message has its German translation, and statuses read right."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

import subdesk.portal
from subdesk.portal.i18n import pick_locale, translations
from subdesk.portal.trust import KINDS
from subdesk.portal.views import CHANNELS, status_line
from subdesk.subscriptions.channels import CANCEL_STEPS, STORES
from subdesk.subscriptions.schemas import PlanRef, SubscriptionOut

PORTAL = Path(subdesk.portal.__file__).parent
STORE_STEPS = [step for store in STORES for step in CANCEL_STEPS[store]]


def test_every_portal_message_has_a_german_translation() -> None:
    german = translations("de")
    methods = [("templates/**.html", "jinja2"), ("**.py", "python")]
    messages = [found[2] for found in extract_from_dir(PORTAL, methods)]
    messages += [*CHANNELS.values(), *KINDS.values(), *STORE_STEPS, "month", "year"]
    missing = [m for m in messages if german.gettext(m) == m and m not in ("Name", "Status")]
    assert missing == []


def test_the_language_is_the_accounts_then_the_browsers_then_english() -> None:
    assert pick_locale("de-DE,de;q=0.9", None) == "de"
    assert pick_locale("fr-FR, en;q=0.5", None) == "en"
    assert pick_locale("fr-FR", None) == "en"
    assert pick_locale("en-US", "de") == "de"


def _sub(status: str, auto_renew: bool, protected: bool = True) -> SubscriptionOut:
    end = datetime(2027, 1, 15, tzinfo=UTC)
    return SubscriptionOut(
        id="00000000-0000-4000-8000-000000000001",
        plan=PlanRef(
            id="00000000-0000-4000-8000-000000000002", code="p", name="P", seats=1, period="year"
        ),
        pending_plan=None,
        status=status,
        channel="direct",
        auto_renew=auto_renew,
        started_at=end,
        trial_ends_at=None,
        current_period_start=end,
        current_period_end=end,
        protected=protected,
        protected_until=end if protected else None,
        next_charge=None,
        no_further_charges=True,
    )


def _line(status: str, auto_renew: bool = True, protected: bool = True) -> str:
    return status_line(_sub(status, auto_renew, protected), str, lambda _d: "DATE").text


def test_each_status_reads_as_words_with_its_date() -> None:
    assert _line("trialing") == "Free trial until DATE"
    assert _line("active") == "Active, renews on DATE"
    assert _line("active", auto_renew=False) == "Active, protected until DATE; it will not renew"
    assert _line("past_due").startswith("Payment failed: still protected until DATE")
    assert _line("suspended") == "Suspended by your service provider"
    assert _line("canceled") == "Canceled, protected until DATE"
    assert _line("canceled", protected=False) == "Canceled"
    assert _line("expired", protected=False) == "Expired"
