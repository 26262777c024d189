"""TOTP second factor (RFC 6238 through pyotp): enrolment and checking a code once."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import pyotp

ISSUER = "subdesk console"
STEP = timedelta(seconds=30)
# A code of the step before or after also counts: phones and servers drift a little.
DRIFT_STEPS = (-1, 0, 1)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app scans; it holds the secret, so it is shown once."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and newer than the last one used."""
    totp = pyotp.TOTP(secret)
    code = code.strip().replace(" ", "")
    for offset in DRIFT_STEPS:
        moment = now + offset * STEP
        step = totp.timecode(moment)
        if hmac.compare_digest(totp.at(moment), code) and (last_step is None or step > last_step):
            return step
    return None
