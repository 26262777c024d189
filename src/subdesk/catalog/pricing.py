"""Changing a plan's renewal price: new terms for new buyers, notices for current ones."""

from __future__ import annotations

from sqlalchemy import select, update

from subdesk.audit.log import audit
from subdesk.catalog.disclosures import disclosure_text
from subdesk.catalog.service import current_disclosure
from subdesk.context import Work
from subdesk.errors import InvalidRequest, NotFound
from subdesk.models import Disclosure, Plan, Subscription
from subdesk.money import Money
from subdesk.subscriptions.rules import LIVE


def change_renewal_price(work: Work, plan_code: str, new_price: int, reason: str) -> Plan:
    """Set the renewal price; subscribers pay a higher one only after a notice in the window."""
    if new_price <= 0:
        raise InvalidRequest("A price is a positive amount in minor units.", field="price")
    plan = work.session.scalars(select(Plan).where(Plan.code == plan_code)).first()
    if plan is None:
        raise NotFound("No such plan.", code="unknown_plan", field="plan")
    before = {"renewal_price": plan.renewal_price_minor}
    plan.renewal_price_minor = new_price
    version = current_disclosure(work.session, plan.id).version + 1
    work.session.add(
        Disclosure(plan_id=plan.id, version=version, text=_terms(plan), published_at=work.now)
    )
    # Current subscribers are looked at now: a notice may fall due at once.
    work.session.execute(
        update(Subscription)
        .where(Subscription.plan_id == plan.id, Subscription.status.in_([s.value for s in LIVE]))
        .values(next_notice_at=work.now)
    )
    audit(
        work,
        action="plan.price_changed",
        entity=("plan", plan.id),
        before=before,
        after={"renewal_price": new_price, "disclosure_version": version},
        reason=reason,
    )
    return plan


def _terms(plan: Plan) -> str:
    intro = (
        Money(plan.intro_price_minor, plan.currency) if plan.intro_price_minor is not None else None
    )
    return disclosure_text(
        plan_name=plan.name,
        period=plan.period,
        trial_days=plan.trial_days,
        intro_price=intro,
        renewal_price=Money(plan.renewal_price_minor, plan.currency),
        guarantee_days=plan.guarantee_days,
    )
