"""Compact JWS signed with ES256 by the leaf of an `x5c` chain that must lead to a trusted root.

Apple signs App Store Server Notifications (and the transactions inside them) this
way. Every link is checked here with `cryptography`: each certificate is within its
validity period, was signed by the next one up, every issuer is a CA allowed to sign
certificates (and within its path length), the top is a configured root or was signed
by one, and the payload's signature verifies with the leaf's P-256 key.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from subdesk.errors import InvalidRequest, NotAuthenticated

MAX_CHAIN = 4


class UntrustedSignature(NotAuthenticated):
    code = "untrusted_signature"


def malformed(what: str) -> InvalidRequest:
    return InvalidRequest(f"Malformed signed payload: {what}.", code="malformed_jws")


def load_roots(paths: Sequence[str]) -> tuple[x509.Certificate, ...]:
    """The trusted roots from PEM or DER files."""
    roots = []
    for path in paths:
        data = Path(path).read_bytes()
        pem = data.lstrip().startswith(b"-----BEGIN")
        load = x509.load_pem_x509_certificate if pem else x509.load_der_x509_certificate
        roots.append(load(data))
    return tuple(roots)


def verify(
    token: str, roots: Sequence[x509.Certificate], now: datetime
) -> tuple[dict[str, Any], list[x509.Certificate]]:
    """The payload of `token` and its certificate chain (leaf first), once all of it checks out."""
    parts = token.split(".")
    if len(parts) != 3:
        raise malformed("not three parts")
    header = _json(_b64url(parts[0]), "header")
    if header.get("alg") != "ES256":
        raise UntrustedSignature("Only ES256 signatures are accepted.")
    chain = _certificates(header.get("x5c"))
    verify_chain(chain, roots, now)
    _verify_signature(chain[0], f"{parts[0]}.{parts[1]}".encode("ascii"), _b64url(parts[2]))
    return _json(_b64url(parts[1]), "payload"), chain


def verify_chain(
    chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate], now: datetime
) -> None:
    """Refuse unless every certificate is valid now, each is signed by the next, the issuers
    are CAs, and the last one is a trusted root or was issued by one."""
    if not roots:
        raise UntrustedSignature("No trusted root certificates are configured.")
    for cert in chain:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise UntrustedSignature("A certificate in the chain is expired or not yet valid.")
    for depth in range(len(chain) - 1):
        _issued_by(chain[depth], chain[depth + 1], depth)
    top = chain[-1]
    trusted = {root.fingerprint(hashes.SHA256()): root for root in roots}
    if top.fingerprint(hashes.SHA256()) in trusted:
        return
    for root in roots:
        if root.subject == top.issuer and root.not_valid_after_utc >= now:
            _issued_by(top, root, len(chain) - 1)
            return
    raise UntrustedSignature("The certificate chain does not lead to a trusted root.")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate, below: int) -> None:
    """`cert` was signed by `issuer`, a CA with `below` CA certificates under it."""
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise UntrustedSignature("An issuer in the chain is not a CA.") from None
    path_ok = constraints.path_length is None or below <= constraints.path_length
    if not constraints.ca or not path_ok:
        raise UntrustedSignature("An issuer in the chain may not issue this certificate.")
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.key_cert_sign:
        raise UntrustedSignature("An issuer in the chain may not sign certificates.")
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        raise UntrustedSignature("The certificate chain is broken.") from None


def _verify_signature(leaf: x509.Certificate, signed: bytes, signature: bytes) -> None:
    key = leaf.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise UntrustedSignature("The signing certificate has no P-256 key.")
    if len(signature) != 64:
        raise UntrustedSignature("The signature is not an ES256 signature.")
    # JWS carries r and s as two 32-byte integers; cryptography wants them DER-encoded.
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise UntrustedSignature("The signature does not match the payload.") from None


def _certificates(x5c: object) -> list[x509.Certificate]:
    if not isinstance(x5c, list) or not 2 <= len(x5c) <= MAX_CHAIN:
        raise UntrustedSignature("The header carries no usable x5c certificate chain.")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except (TypeError, ValueError, binascii.Error):
        raise UntrustedSignature("A certificate in the x5c chain cannot be read.") from None


def _b64url(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (ValueError, binascii.Error):
        raise malformed("not base64url") from None


def _json(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise malformed(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise malformed(f"the {what} is not an object")
    return value
