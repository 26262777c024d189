"""What a query in the search box can be, and the TOTP check that accepts a code once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from subdesk.licensing.keys import generate
from subdesk.support import totp
from subdesk.support.search import keys_of

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "kind", "value"),
    [
        ("  Pat@Example.COM ", "email", "pat@example.com"),
        ("case-000042", "case", "42"),
        ("cxl-ab12-cd34", "cancellation", "CXL-AB12-CD34"),  # two groups: before 2026-11-23
        ("cxl-ab12-cd34-ef56", "cancellation", "CXL-AB12-CD34-EF56"),
        ("inv-20260115-ABC123", "invoice", "INV-20260115-ABC123"),
        ("inv-20261123-7k3m9-q2pxa", "invoice", "INV-20261123-7K3M9-Q2PXA"),
        ("sd-2026-000123", "invoice", "SD-2026-000123"),
        (" SD-CN-2027-000007 ", "invoice", "SD-CN-2027-000007"),
        ("4242 12/30", "card", "4242"),
        ("Pat Example", "name", "Pat Example"),
    ],
)
def test_a_query_is_read_as_the_key_it_looks_like(query: str, kind: str, value: str) -> None:
    first = keys_of(query)[0]
    assert (first.kind, first.value) == (kind, value)


def test_a_card_expiry_reads_two_or_four_digit_years() -> None:
    assert keys_of("4242 12/30")[0].extra == (12, 2030)
    assert keys_of("4242, 1/2031")[0].extra == (1, 2031)


def test_free_text_is_a_name_or_a_device_name() -> None:
    assert [k.kind for k in keys_of("Office PC")] == ["name", "device"]
    assert keys_of("   ") == []


def test_a_well_formed_product_key_is_looked_up_by_its_digest() -> None:
    key = generate("AV1")
    assert keys_of(key)[0].kind == "license_key"


def test_a_code_is_accepted_within_one_step_of_drift_and_never_twice() -> None:
    secret = totp.new_secret()
    code = totp.code_at(secret, NOW)
    step = totp.accepted_step(secret, code, NOW + timedelta(seconds=30), None)
    assert step is not None
    assert totp.accepted_step(secret, code, NOW, step) is None


def test_a_wrong_or_stale_code_is_refused() -> None:
    secret = totp.new_secret()
    valid = {totp.code_at(secret, NOW + offset * totp.STEP) for offset in totp.DRIFT_STEPS}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    assert totp.accepted_step(secret, wrong, NOW, None) is None
    stale = totp.code_at(secret, NOW - 10 * totp.STEP)
    if stale not in valid:
        assert totp.accepted_step(secret, stale, NOW, None) is None


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    uri = totp.provisioning_uri(totp.new_secret(), "agent@example.com")
    assert uri.startswith("otpauth://totp/")
    assert "agent%40example.com" in uri
