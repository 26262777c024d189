"""A test App Store PKI made here (root, intermediate, leaf) and JWS signing with it."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from subdesk.channels.stores.apple import INTERMEDIATE_MARKER, LEAF_MARKER

VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2030, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Chain:
    """Certificates leaf first, and the leaf's key that signs."""

    leaf_key: ec.EllipticCurvePrivateKey
    certs: tuple[x509.Certificate, ...]

    @property
    def root(self) -> x509.Certificate:
        return self.certs[-1]

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    marker: x509.ObjectIdentifier | None = None,
    valid: tuple[datetime, datetime] = (VALID_FROM, VALID_TO),
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if marker is not None:
        builder = builder.add_extension(x509.UnrecognizedExtension(marker, b"\x05\x00"), False)
    return builder.sign(issuer_key, hashes.SHA256())


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_chain(
    root_name: str = "Test Root CA",
    *,
    leaf_valid: tuple[datetime, datetime] = (VALID_FROM, VALID_TO),
    intermediate_is_ca: bool = True,
    markers: bool = True,
) -> Chain:
    root_key, inter_key, leaf_key = new_key(), new_key(), new_key()
    root = certificate(root_name, root_key, root_name, root_key, ca=True)
    inter = certificate(
        "Test WWDR CA",
        inter_key,
        root_name,
        root_key,
        ca=intermediate_is_ca,
        marker=INTERMEDIATE_MARKER if markers else None,
    )
    leaf = certificate(
        "Test Store Signing",
        leaf_key,
        "Test WWDR CA",
        inter_key,
        ca=False,
        marker=LEAF_MARKER if markers else None,
        valid=leaf_valid,
    )
    return Chain(leaf_key, (leaf, inter, root))


def with_foreign_leaf(chain: Chain) -> Chain:
    """The same x5c, but the leaf swapped for one issued by another intermediate of that name."""
    other = make_chain()
    return replace(chain, leaf_key=other.leaf_key, certs=(other.certs[0], *chain.certs[1:]))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload: dict[str, Any], chain: Chain) -> str:
    """A compact JWS (ES256) with the chain in its x5c header, as Apple sends them."""
    x5c = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain.certs
    ]
    header = b64url(json.dumps({"alg": "ES256", "x5c": x5c}).encode())
    body = b64url(json.dumps(payload).encode())
    der = chain.leaf_key.sign(f"{header}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{header}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
