"""Ed25519-signed receipts anyone holding the public key can verify.

A receipt is `{"payload": {...}, "key_id": ..., "signature": ...}`; the signature
covers the purpose prefix and the canonical JSON of the payload (sorted keys, no
spaces), so a single changed byte fails verification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

import nacl.bindings
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

PURPOSE = b"subdesk-receipt-v1:"


def canonical_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ReceiptSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        # The same key for libsodium, which signs faster (Ed25519 is deterministic: the
        # signatures are the ones cryptography would make).
        _public, self._sodium_key = nacl.bindings.crypto_sign_seed_keypair(seed)
        raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key_b64 = _b64(raw)
        self.key_id = "ed25519-" + hashlib.sha256(raw).hexdigest()[:12]

    @classmethod
    def from_seed(cls, seed_b64: str) -> ReceiptSigner:
        return cls(Ed25519PrivateKey.from_private_bytes(_unb64(seed_b64)))

    @classmethod
    def from_file(cls, path: Path) -> ReceiptSigner:
        """Load the key file, creating it (owner-only) on first run."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(_b64(os.urandom(32)))
        return cls.from_seed(path.read_text().strip())

    def sign_bytes(self, purpose: bytes, data: bytes) -> bytes:
        """A signature over `purpose` + `data`: what is signed for one purpose never verifies
        for another (a receipt is no license token)."""
        return nacl.bindings.crypto_sign(purpose + data, self._sodium_key)[:64]

    def derive_secret(self, purpose: bytes) -> str:
        """A secret of its own for `purpose` (e.g. signing portal cookies), derived from the key."""
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return hmac.new(seed, purpose, hashlib.sha256).hexdigest()

    def sign(self, payload: dict[str, Any]) -> dict[str, Any]:
        signature = self.sign_bytes(PURPOSE, canonical_json(payload))
        return {"payload": payload, "key_id": self.key_id, "signature": _b64(signature)}

    def public_keys(self) -> list[dict[str, str]]:
        return [{"key_id": self.key_id, "algorithm": "Ed25519", "public_key": self.public_key_b64}]

    def verify(self, receipt: dict[str, Any]) -> bool:
        return verify_receipt(receipt, {self.key_id: self.public_key_b64})


def verify_receipt(receipt: dict[str, Any], public_keys: dict[str, str]) -> bool:
    """True only if the receipt was signed by one of `public_keys` (key id -> base64url)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(_unb64(public_keys[receipt["key_id"]]))
        signature = _unb64(receipt["signature"])
        # Only the one canonical spelling of a signature counts (base64 has spare bits).
        if _b64(signature) != receipt["signature"]:
            return False
        key.verify(signature, PURPOSE + canonical_json(receipt["payload"]))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False
    return True
