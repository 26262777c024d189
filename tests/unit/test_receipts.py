"""Ed25519 receipts: sign, verify, and refuse any tampering."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.receipts import ReceiptSigner, canonical_json, verify_receipt

SEED = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode()
OTHER_SEED = base64.urlsafe_b64encode(bytes(range(32, 64))).rstrip(b"=").decode()
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

PAYLOAD: dict[str, Any] = {
    "receipt": "cancellation",
    "subscription_id": "5f0c6c1e-8c4e-4a55-9d1a-2b8e6f3c7a10",
    "plan": "Total Security – 5 devices",
    "refund": {"amount": 4999, "currency": "USD"},
    "canceled_at": "2026-03-20T10:00:00+00:00",
}


@pytest.fixture
def signer() -> ReceiptSigner:
    return ReceiptSigner.from_seed(SEED)


def keys_of(signer: ReceiptSigner) -> dict[str, str]:
    return {k["key_id"]: k["public_key"] for k in signer.public_keys()}


def other_char(char: str) -> str:
    return "B" if char == "A" else "A"


def test_signed_receipt_verifies(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    assert verify_receipt(receipt, keys_of(signer))
    assert signer.verify(receipt)


def test_generated_key_signs_receipts_that_verify(tmp_path: Path) -> None:
    signer = ReceiptSigner.from_file(tmp_path / "keys" / "receipt.key")
    assert verify_receipt(signer.sign(PAYLOAD), keys_of(signer))


def test_key_file_is_created_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "receipt.key"
    first = ReceiptSigner.from_file(path)
    assert ReceiptSigner.from_file(path).key_id == first.key_id
    assert path.stat().st_mode & 0o777 == 0o600


def test_same_seed_gives_the_same_key_id() -> None:
    assert ReceiptSigner.from_seed(SEED).key_id == ReceiptSigner.from_seed(SEED).key_id
    assert ReceiptSigner.from_seed(SEED).key_id != ReceiptSigner.from_seed(OTHER_SEED).key_id


def test_public_keys_publish_the_ed25519_key(signer: ReceiptSigner) -> None:
    (key,) = signer.public_keys()
    assert key["algorithm"] == "Ed25519"
    assert key["key_id"].startswith("ed25519-")
    assert len(base64.urlsafe_b64decode(key["public_key"] + "=")) == 32


def test_canonical_json_sorts_keys_without_spaces() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_key_order_of_the_payload_does_not_matter(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    reordered = dict(reversed(list(PAYLOAD.items())))
    assert signer.verify({**receipt, "payload": reordered})


def test_one_flipped_character_in_a_string_value_is_refused(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    tampered = {**PAYLOAD, "subscription_id": "6" + PAYLOAD["subscription_id"][1:]}
    assert not signer.verify({**receipt, "payload": tampered})


def test_refund_amount_changed_by_one_is_refused(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    tampered = {**PAYLOAD, "refund": {"amount": 5000, "currency": "USD"}}
    assert not signer.verify({**receipt, "payload": tampered})


def test_added_payload_field_is_refused(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    assert not signer.verify({**receipt, "payload": {**PAYLOAD, "extra": 1}})


def test_any_single_changed_byte_of_the_canonical_payload_is_refused(
    signer: ReceiptSigner,
) -> None:
    receipt = signer.sign(PAYLOAD)
    original = canonical_json(PAYLOAD)
    tried = 0
    for index in range(len(original)):
        for replacement in (original[index] ^ 1, original[index] ^ 0x20):
            changed = original[:index] + bytes([replacement]) + original[index + 1 :]
            try:
                payload = json.loads(changed.decode())
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue  # not a payload anyone could present
            if not isinstance(payload, dict) or canonical_json(payload) == original:
                continue
            tried += 1
            assert not signer.verify({**receipt, "payload": payload}), changed
    assert tried > len(original)  # most single-byte changes still parse


def test_unknown_key_id_is_refused(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    assert not verify_receipt({**receipt, "key_id": "ed25519-000000000000"}, keys_of(signer))


def test_receipt_signed_by_another_key_is_refused(signer: ReceiptSigner) -> None:
    forged = ReceiptSigner.from_seed(OTHER_SEED).sign(PAYLOAD)
    assert not verify_receipt({**forged, "key_id": signer.key_id}, keys_of(signer))


def test_signature_with_a_middle_character_changed_is_refused(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    signature = receipt["signature"]
    middle = len(signature) // 2
    changed = signature[:middle] + other_char(signature[middle]) + signature[middle + 1 :]
    assert not signer.verify({**receipt, "signature": changed})


def test_signature_with_any_one_character_changed_is_refused(signer: ReceiptSigner) -> None:
    # A 64-byte signature is 86 base64url characters; the last one carries 2 signature bits and
    # 4 padding bits. A lenient decoder ignores the padding bits, so 15 other last characters
    # would decode to the very same signature.
    receipt = signer.sign(PAYLOAD)
    signature = receipt["signature"]
    accepted = [
        (index, char)
        for index in range(len(signature))
        for char in B64URL
        if char != signature[index]
        and signer.verify(
            {**receipt, "signature": signature[:index] + char + signature[index + 1 :]}
        )
    ]
    assert accepted == []


def test_truncated_signature_is_refused(signer: ReceiptSigner) -> None:
    receipt = signer.sign(PAYLOAD)
    assert not signer.verify({**receipt, "signature": receipt["signature"][:-4]})


def test_malformed_receipt_is_refused_not_raised(signer: ReceiptSigner) -> None:
    assert not verify_receipt({"payload": PAYLOAD}, keys_of(signer))
    assert not verify_receipt(
        {**signer.sign(PAYLOAD), "signature": "!!not base64!!"}, keys_of(signer)
    )
    assert not verify_receipt({**signer.sign(PAYLOAD), "signature": None}, keys_of(signer))


payloads = st.dictionaries(
    st.text(max_size=20),
    st.one_of(st.text(max_size=40), st.integers()),
    max_size=8,
)


@given(payload=payloads)
def test_any_text_and_int_payload_round_trips(payload: dict[str, Any]) -> None:
    signer = ReceiptSigner.from_seed(SEED)
    receipt = signer.sign(payload)
    assert verify_receipt(json.loads(json.dumps(receipt)), keys_of(signer))


@given(payload=payloads, key=st.text(max_size=20), value=st.integers())
def test_any_changed_value_of_a_random_payload_is_refused(
    payload: dict[str, Any], key: str, value: int
) -> None:
    signer = ReceiptSigner.from_seed(SEED)
    receipt = signer.sign(payload)
    changed = {**payload, key: value}
    if changed == payload:
        changed[key] = value + 1
    assert not signer.verify({**receipt, "payload": changed})


@given(st.binary(max_size=512))
def test_signatures_are_the_ed25519_signatures_of_the_seed(data: bytes) -> None:
    """libsodium signs for speed; what it signs is exactly what cryptography would."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    signer = ReceiptSigner.from_seed(SEED)
    assert signer.sign_bytes(b"purpose:", data) == key.sign(b"purpose:" + data)
