"""Catalog reads: plans with their product, services and current disclosure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from subdesk.context import Work
from subdesk.errors import NotFound
from subdesk.models import Disclosure, Plan, Product


@dataclass(frozen=True, slots=True)
class PlanOffer:
    plan: Plan
    product: Product
    disclosure: Disclosure


def list_offers(session: Session) -> list[PlanOffer]:
    plans = list(
        session.scalars(
            select(Plan)
            .where(Plan.active.is_(True))
            .options(selectinload(Plan.product).selectinload(Product.services))
            .order_by(Plan.code)
        )
    )
    disclosures = current_disclosures(session, [p.id for p in plans])
    return [PlanOffer(p, p.product, disclosures[p.id]) for p in plans if p.id in disclosures]


def get_plan(session: Session, plan_id: uuid.UUID, *, field: str = "plan_id") -> Plan:
    plan = (
        session.scalars(
            select(Plan)
            .where(Plan.id == plan_id)
            .options(joinedload(Plan.product).joinedload(Product.services))
        )  # one round trip, not three: most requests and every renewal read a plan
        .unique()
        .one_or_none()
    )
    if plan is None:
        raise NotFound("No such plan.", code="unknown_plan", field=field)
    return plan


def plan_of(work: Work, plan_id: uuid.UUID) -> Plan:
    """`get_plan`, read once per unit of work."""
    key = ("plan", plan_id)
    plan = work.cache.get(key)
    if not isinstance(plan, Plan):
        plan = work.cache[key] = get_plan(work.session, plan_id)
    return plan


def current_disclosures(session: Session, plan_ids: list[uuid.UUID]) -> dict[uuid.UUID, Disclosure]:
    rows = session.scalars(
        select(Disclosure).where(Disclosure.plan_id.in_(plan_ids)).order_by(Disclosure.version)
    )
    return {row.plan_id: row for row in rows}  # the highest version wins


def current_disclosure(session: Session, plan_id: uuid.UUID) -> Disclosure:
    found = current_disclosures(session, [plan_id])
    if plan_id not in found:
        raise NotFound(
            "This plan has no published terms yet.", code="unknown_plan", field="plan_id"
        )
    return found[plan_id]
