"""The audited view of a subscription: the fields whose change is worth a before/after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from subdesk.audit.log import audit
from subdesk.subscriptions.state import SubscriptionState

if TYPE_CHECKING:
    from subdesk.context import Work


def event_data(subscription: SubscriptionState, **extra: Any) -> dict[str, Any]:
    """What a webhook says of a subscription: ids and state, never personal data."""
    return {
        "subscription_id": str(subscription.id),
        "account_id": str(subscription.account_id),
        "status": subscription.status,
        "auto_renew": subscription.auto_renew,
        "current_period_end": subscription.current_period_end.isoformat(),
        **extra,
    }


def snapshot(subscription: SubscriptionState) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "status": subscription.status,
        "auto_renew": subscription.auto_renew,
        "plan_id": str(subscription.plan_id),
        "pending_plan_id": str(subscription.pending_plan_id)
        if subscription.pending_plan_id
        else None,
        "period_number": subscription.period_number,
        "current_period_end": iso(subscription.current_period_end),
        "access_ends_at": iso(subscription.access_ends_at),
    }


def audit_change(
    work: Work,
    subscription: SubscriptionState,
    action: str,
    before: dict[str, Any] | None,
    reason: str | None = None,
    *,
    after: dict[str, Any] | None = None,
) -> None:
    """Append the audit event of a change to `subscription` (after: its snapshot by default)."""
    audit(
        work,
        action=action,
        entity=("subscription", subscription.id),
        account_id=subscription.account_id,
        subscription_id=subscription.id,
        before=before,
        after=after if after is not None else snapshot(subscription),
        reason=reason,
    )
