"""Duplicate purchases, as pure rules: an order of a product the account holds is refused
(with the choices instead) unless confirmed; of first charges of one product within a day,
the later subscription is the duplicate, unless bought as a second one on purpose."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from subdesk.subscriptions.duplicates import (
    DUPLICATE_WINDOW,
    Choice,
    ChoiceKind,
    FirstCharge,
    Holding,
    Refusal,
    choices,
    duplicate_charges,
    held,
    judge_order,
    refund_key,
    upgrades,
)
from subdesk.subscriptions.rules import PlanTerms, Status

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ANTIVIRUS, VPN = uuid.uuid4(), uuid.uuid4()


def holding(
    product: uuid.UUID = ANTIVIRUS,
    status: Status = Status.ACTIVE,
    channel: str = "direct",
    *,
    auto_renew: bool = True,
    days: int = 365,
) -> Holding:
    return Holding(uuid.uuid4(), product, status, channel, auto_renew, T0 + timedelta(days=days))


def test_an_account_holds_a_product_while_a_subscription_of_it_is_trialing_active_or_past_due() -> (
    None
):
    for status in (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE):
        mine = holding(status=status)
        assert held([mine, holding(VPN)], ANTIVIRUS) == mine
    for status in (Status.CANCELED, Status.EXPIRED, Status.SUSPENDED):
        assert held([holding(status=status), holding(VPN)], ANTIVIRUS) is None


def test_of_two_held_the_one_protecting_longest_is_named() -> None:
    short, long = holding(days=20), holding(days=300)
    assert held([short, long], ANTIVIRUS) == long


def test_an_order_of_a_product_held_is_refused_unless_confirmed_as_a_second_purchase() -> None:
    mine = holding()
    refused = judge_order([mine], [], ANTIVIRUS, confirmed=False)
    assert (refused.allowed, refused.refusal, refused.holding) == (
        False,
        Refusal.ALREADY_SUBSCRIBED,
        mine,
    )
    assert judge_order([mine], [], ANTIVIRUS, confirmed=True).allowed
    assert judge_order([mine], [], VPN, confirmed=False).allowed  # another product
    assert judge_order([holding(status=Status.CANCELED)], [], ANTIVIRUS, confirmed=False).allowed


def test_an_order_while_another_of_the_product_is_being_paid_for_is_refused() -> None:
    racing = judge_order([], [ANTIVIRUS], ANTIVIRUS, confirmed=False)
    assert (racing.allowed, racing.refusal, racing.holding) == (False, Refusal.IN_PROGRESS, None)
    assert judge_order([], [VPN], ANTIVIRUS, confirmed=False).allowed
    assert judge_order([], [ANTIVIRUS], ANTIVIRUS, confirmed=True).allowed


def kinds(offered: tuple[Choice, ...]) -> list[str]:
    return [c.kind.value for c in offered]


def test_the_choices_are_upgrade_extend_and_buy_anyway_for_a_direct_subscription() -> None:
    mine, bigger = holding(), uuid.uuid4()
    offered = choices(mine, [bigger])
    assert kinds(offered) == ["upgrade", "extend", "buy_anyway"]
    upgrade, extend, _anyway = offered
    assert (upgrade.subscription_id, upgrade.plan_ids) == (mine.subscription_id, (bigger,))
    assert (extend.subscription_id, extend.renews) == (mine.subscription_id, True)


def test_extending_one_whose_renewal_is_off_means_turning_it_back_on() -> None:
    (_upgrade, extend, _anyway) = choices(holding(auto_renew=False), [uuid.uuid4()])
    assert (extend.kind, extend.renews) == (ChoiceKind.EXTEND, False)


def test_no_upgrade_without_a_bigger_plan_or_while_past_due() -> None:
    assert kinds(choices(holding(), [])) == ["extend", "buy_anyway"]
    assert kinds(choices(holding(status=Status.PAST_DUE), [uuid.uuid4()])) == [
        "extend",
        "buy_anyway",
    ]


def test_one_billed_elsewhere_is_kept_going_there_and_a_retail_key_does_not_renew_alone() -> None:
    assert kinds(choices(holding(channel="app_store"), [uuid.uuid4()])) == ["buy_anyway"]
    assert kinds(choices(holding(channel="provider"), [])) == ["buy_anyway"]
    (extend, _anyway) = choices(holding(channel="retail", auto_renew=False), [uuid.uuid4()])
    assert (extend.kind, extend.renews) == (ChoiceKind.EXTEND, False)
    assert kinds(choices(None, [])) == ["buy_anyway"]


def terms(
    seats: int, services: set[str], price: int, period: str = "year", cur: str = "USD"
) -> PlanTerms:
    return PlanTerms(seats, frozenset(services), period, price, cur)


def test_the_upgrades_offered_are_the_plans_it_can_change_to_now_cheapest_first() -> None:
    current = terms(1, {"antivirus"}, 4999)
    total, suite, same = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    offers = [
        (total, terms(5, {"antivirus", "vpn", "backup"}, 14999)),
        (same, terms(1, {"antivirus"}, 4999)),  # the plan it has
        (uuid.uuid4(), terms(3, {"antivirus", "vpn"}, 8999, cur="EUR")),  # another currency
        (uuid.uuid4(), terms(3, {"antivirus", "vpn"}, 899, period="month")),  # another period
        (uuid.uuid4(), terms(3, {"vpn"}, 8999)),  # loses a service
        (suite, terms(3, {"antivirus", "vpn"}, 8999)),
    ]
    assert upgrades(current, offers) == [suite, total]


def charge(
    minutes: float,
    *,
    account: uuid.UUID | None = None,
    product: uuid.UUID = ANTIVIRUS,
    confirmed: bool = False,
    live: bool = True,
) -> FirstCharge:
    at = T0 + timedelta(minutes=minutes)
    return FirstCharge(
        uuid.uuid4(), uuid.uuid4(), account or ACCOUNT, product, at, at, confirmed, live
    )


ACCOUNT = uuid.uuid4()


def test_a_second_first_charge_of_a_product_within_a_day_is_the_duplicate() -> None:
    first, second = charge(0), charge(3)
    (found,) = duplicate_charges([second, first])
    assert (found.charge, found.kept) == (second, first)


def test_charges_a_day_apart_are_two_purchases_not_a_duplicate() -> None:
    later = DUPLICATE_WINDOW.total_seconds() / 60 + 1
    assert duplicate_charges([charge(0), charge(later)]) == []
    assert len(duplicate_charges([charge(0), charge(later - 2)])) == 1


def test_a_second_purchase_confirmed_on_purpose_is_no_duplicate() -> None:
    assert duplicate_charges([charge(0), charge(1, confirmed=True)]) == []


def test_at_one_moment_the_purchase_confirmed_as_a_second_is_the_second() -> None:
    for _ in range(20):  # whatever the ids
        assert duplicate_charges([charge(0, confirmed=True), charge(0)]) == []


def test_buying_again_after_the_first_ended_is_no_duplicate_and_an_ended_one_is_left_alone() -> (
    None
):
    assert duplicate_charges([charge(0, live=False), charge(5)]) == []
    assert duplicate_charges([charge(0), charge(5, live=False)]) == []


def test_other_accounts_and_other_products_are_apart() -> None:
    assert duplicate_charges([charge(0), charge(1, account=uuid.uuid4())]) == []
    assert duplicate_charges([charge(0), charge(1, product=VPN)]) == []


def test_of_three_purchases_at_once_the_first_stays_and_both_others_are_duplicates_of_it() -> None:
    first, second, third = charge(0), charge(1), charge(2)
    found = duplicate_charges([third, first, second])
    assert [(d.charge, d.kept) for d in found] == [(second, first), (third, first)]


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=3000), st.booleans()), min_size=1, max_size=8
    )
)
def test_every_live_charge_is_either_kept_or_the_duplicate_of_a_kept_one_within_the_window(
    given_charges: list[tuple[int, bool]],
) -> None:
    charges = [charge(m, confirmed=c) for m, c in given_charges]
    found = duplicate_charges(charges)
    extra = {d.charge.payment_id for d in found}
    kept = [c for c in charges if c.payment_id not in extra]
    assert kept  # the first purchase always stays
    for d in found:
        assert not d.charge.confirmed
        assert d.kept in kept
        assert abs(d.charge.captured_at - d.kept.captured_at) <= DUPLICATE_WINDOW
        assert d.kept.started_at <= d.charge.started_at
    assert duplicate_charges(list(reversed(charges))) == found  # the order given does not matter


def test_a_duplicate_has_one_refund_key_whoever_refunds_it() -> None:
    payment = uuid.uuid4()
    assert refund_key(payment) == refund_key(payment) == f"duplicate:{payment}"
