"""Offline license tokens: `<payload>.<signature>`, both base64url, Ed25519 over a purpose prefix.

The payload is canonical JSON with the key id (`kid`), issue and expiry times,
the device, the subscription's status and entitlements. An app verifies it with
the public key served at /api/v1/licenses/public-key and protects offline until
`exp`. The purpose prefix keeps receipts and tokens apart.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from subdesk.receipts import ReceiptSigner, canonical_json

PURPOSE = b"subdesk-license-v1:"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(signer: ReceiptSigner, claims: dict[str, Any]) -> str:
    payload = canonical_json({**claims, "kid": signer.key_id})
    return f"{_b64(payload)}.{_b64(signer.sign_bytes(PURPOSE, payload))}"


def verify(token: str, public_keys: dict[str, str], now: datetime) -> dict[str, Any] | None:
    """The claims of a genuine, unexpired token; None for anything else."""
    try:
        payload_part, signature_part = token.split(".")
        payload = _unb64(payload_part)
        signature = _unb64(signature_part)
        if _b64(payload) != payload_part or _b64(signature) != signature_part:
            return None  # only the canonical spelling counts
        claims: dict[str, Any] = json.loads(payload)
        key = Ed25519PublicKey.from_public_bytes(_unb64(public_keys[claims["kid"]]))
        key.verify(signature, PURPOSE + payload)
        if datetime.fromisoformat(claims["exp"]) <= now:
            return None
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return None
    return claims
