"""Billing address use cases: read, set or change it (audited), and erase it with the account."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from subdesk.accounts.rules import BillingAddressFields, checked_billing_address
from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.errors import NotFound
from subdesk.models import BillingAddress

FIELDS = tuple(BillingAddressFields.__dataclass_fields__)


def find_billing_address(work: Work, account_id: uuid.UUID) -> BillingAddress | None:
    return work.session.get(BillingAddress, account_id)


def get_billing_address(work: Work, account_id: uuid.UUID) -> BillingAddress:
    address = find_billing_address(work, account_id)
    if address is None:
        raise NotFound("No billing address has been set yet.", code="no_billing_address")
    return address


def set_billing_address(
    work: Work, account_id: uuid.UUID, given: BillingAddressFields
) -> BillingAddress:
    """Check everything first, then write once: a refused address changes nothing. The audit
    event names the fields changed and keeps only the codes (country, subdivision, VAT ID),
    not the name and street, which the append-only log could never erase."""
    checked = asdict(checked_billing_address(given))
    address = find_billing_address(work, account_id)
    before = _fields(address) if address is not None else {}
    changed = [name for name in FIELDS if before.get(name) != checked[name]]
    if address is not None and not changed:
        return address
    if address is None:
        address = BillingAddress(account_id=account_id, created_at=work.now, **checked)
        work.session.add(address)
    else:
        for name in changed:
            setattr(address, name, checked[name])
    address.updated_at = work.now
    work.session.flush()
    audit(
        work,
        action="billing_address.set",
        entity=("billing_address", account_id),
        account_id=account_id,
        before=_codes(before) if before else None,
        after={**_codes(checked), "changed": changed},
    )
    return address


def erase_billing_address(work: Work, account_id: uuid.UUID) -> None:
    """Closing the account erases the address (tax decisions keep only country codes)."""
    address = find_billing_address(work, account_id)
    if address is None:
        return
    work.session.delete(address)
    audit(
        work,
        action="billing_address.erased",
        entity=("billing_address", account_id),
        account_id=account_id,
        before=_codes(_fields(address)),
        after=None,
    )


def _fields(address: BillingAddress) -> dict[str, Any]:
    return {name: getattr(address, name) for name in FIELDS}


def _codes(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in ("country", "subdivision", "vat_id")}
