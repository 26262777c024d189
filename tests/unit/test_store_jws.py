"""Signed store payloads: the x5c chain leads to a configured root, the ES256 signature holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from subdesk.channels.stores import apple, jws
from subdesk.errors import InvalidRequest
from tests.store_signing import b64url, make_chain, sign, with_foreign_leaf

NOW = datetime(2026, 3, 1, tzinfo=UTC)
CHAIN = make_chain()
ROOTS = (CHAIN.root,)


def test_a_payload_signed_by_a_chain_to_a_configured_root_verifies() -> None:
    payload, certs = jws.verify(sign({"hello": "store"}, CHAIN), ROOTS, NOW)
    assert payload == {"hello": "store"}
    assert certs[0] == CHAIN.certs[0]


def test_a_chain_without_its_root_verifies_when_the_root_is_configured() -> None:
    token = sign({"n": 1}, type(CHAIN)(CHAIN.leaf_key, CHAIN.certs[:2]))
    assert jws.verify(token, ROOTS, NOW)[0] == {"n": 1}


def test_a_chain_to_an_unknown_root_is_refused() -> None:
    stranger = make_chain("Test Root CA")  # same name, other key
    with pytest.raises(jws.UntrustedSignature):
        jws.verify(sign({"n": 1}, stranger), ROOTS, NOW)


def test_a_chain_without_a_root_to_trust_is_refused() -> None:
    with pytest.raises(jws.UntrustedSignature):
        jws.verify(sign({"n": 1}, CHAIN), (), NOW)


def test_a_leaf_not_issued_by_the_listed_intermediate_is_refused() -> None:
    with pytest.raises(jws.UntrustedSignature, match="broken"):
        jws.verify(sign({"n": 1}, with_foreign_leaf(CHAIN)), ROOTS, NOW)


def test_an_expired_leaf_is_refused() -> None:
    old = make_chain(
        leaf_valid=(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))
    )
    with pytest.raises(jws.UntrustedSignature, match="expired"):
        jws.verify(sign({"n": 1}, old), (old.root,), NOW)


def test_an_intermediate_that_is_not_a_ca_is_refused() -> None:
    chain = make_chain(intermediate_is_ca=False)
    with pytest.raises(jws.UntrustedSignature, match="CA|may not"):
        jws.verify(sign({"n": 1}, chain), (chain.root,), NOW)


def test_a_changed_byte_in_the_payload_is_refused() -> None:
    header, body, signature = sign({"amount": 100}, CHAIN).split(".")
    forged = b64url(b'{"amount": 900}')
    with pytest.raises(jws.UntrustedSignature, match="signature"):
        jws.verify(f"{header}.{forged}.{signature}", ROOTS, NOW)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(jws.UntrustedSignature):
        jws.verify(f"{header}.{body}.{flipped}", ROOTS, NOW)


def test_another_algorithm_is_refused() -> None:
    body = sign({"n": 1}, CHAIN).split(".")[1]
    unsigned = b64url(b'{"alg": "none"}')
    with pytest.raises(jws.UntrustedSignature, match="ES256"):
        jws.verify(f"{unsigned}.{body}.", ROOTS, NOW)


def test_a_token_that_is_not_a_jws_is_malformed() -> None:
    with pytest.raises(InvalidRequest):
        jws.verify("not-a-jws", ROOTS, NOW)


def test_apple_requires_its_certificate_markers() -> None:
    unmarked = make_chain(markers=False)
    token = sign({"notificationType": "TEST", "notificationUUID": "x", "signedDate": 1}, unmarked)
    with pytest.raises(jws.UntrustedSignature, match="App Store"):
        apple.read_notification(token, (unmarked.root,), NOW)


def test_roots_load_from_pem_and_der_files(tmp_path: Path) -> None:
    pem, der = tmp_path / "root.pem", tmp_path / "root.cer"
    pem.write_bytes(CHAIN.root_pem())
    der.write_bytes(CHAIN.root.public_bytes(serialization.Encoding.DER))
    assert jws.load_roots([str(pem), str(der)]) == (CHAIN.root, CHAIN.root)


def test_apple_refuses_a_notification_for_another_app() -> None:
    payload = {
        "notificationType": "TEST",
        "notificationUUID": "n-1",
        "signedDate": 1_767_225_600_000,
        "data": {"bundleId": "com.example.other"},
    }
    token = sign(payload, CHAIN)
    with pytest.raises(InvalidRequest, match="another app"):
        apple.read_notification(token, ROOTS, NOW, bundle_id="com.example.shield")
    notice = apple.read_notification(token, ROOTS, NOW)
    assert (notice.kind, notice.observation, notice.store_key) == ("TEST", None, None)
