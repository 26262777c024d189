"""The auto-renewal disclosure shown beside the consent box, written from a plan's terms."""

from __future__ import annotations

from subdesk.money import Money


def disclosure_text(
    *,
    plan_name: str,
    period: str,
    trial_days: int,
    intro_price: Money | None,
    renewal_price: Money,
    guarantee_days: int,
) -> str:
    first = intro_price or renewal_price
    parts = []
    if trial_days:
        parts.append(
            f"Your free trial lasts {trial_days} days. Unless you cancel before it ends, "
            f"you will be charged {first} for the first {period}."
        )
    else:
        parts.append(f"You will be charged {first} today for the first {period} of {plan_name}.")
    parts.append(
        f"Your subscription renews automatically every {period} at {renewal_price} "
        "until you cancel. You can turn off auto-renewal or cancel at any time online, "
        "in two clicks, from your subscription page; no phone call is needed. "
        "Cancel before the renewal date to avoid the next charge."
    )
    parts.append(
        f"Money-back guarantee: cancel within {guarantee_days} days of a qualifying charge "
        "for a full refund."
    )
    return " ".join(parts)
