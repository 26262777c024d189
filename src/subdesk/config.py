"""Settings from the environment (prefix SUBDESK_); SQLite in ./var by default."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/subdesk.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUBDESK_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Base64 of a 32-byte Ed25519 seed; when unset a key file beside the data is used.
    signing_key: str | None = None
    signing_key_file: str = "var/signing.key"
    # What "cancel now" refunds outside the money-back guarantee.
    refund_policy: Literal["none", "pro_rata"] = "none"
    # Sandbox only: time comes from the test clock that `subdesk clock advance` moves.
    sandbox_clock: bool = False
    # Subscriptions a worker renews per transaction.
    worker_batch_size: int = 500
    # Subscriptions a worker holds locked in one transaction while it records the
    # processor's answers: few, so that a customer's cancellation never waits long behind a
    # batch (and an invoice series is held only that long).
    worker_lock_size: int = Field(20, ge=1)
    # The worker's calls to the processor: how many at once, and how many per second in all
    # (0: no pacing); counted in Redis when redis_url is set, so that every worker process on
    # every machine shares the one limit the processor grants (Stripe: 100/s live).
    processor_concurrency: int = 32
    processor_requests_per_second: int = 0
    # How long a worker or API process may take to hear back from the processor before the
    # reconciler takes its payment attempt for lost and asks the processor what became of it;
    # keep it well above gateway_timeout_seconds.
    payment_lease_seconds: float = 300.0
    redis_url: str | None = None
    # How long an app may protect offline on one token, and how often it should check in.
    offline_token_days: int = 7
    check_in_hours: int = 12
    # A check-in writes a device's last_seen_at only when the stored one is older than this.
    device_seen_resolution_minutes: int = 60
    # The app's activations and check-ins allowed per device token, and per client address
    # (many homes share one address behind a provider's NAT, so that limit is wide).
    device_requests_per_minute: int = 20
    # A device silent this long loses its seat (the worker culls it).
    stale_device_days: int = 90
    # Seats a subscription may release to other devices per rolling window (stops key sharing).
    transfers_per_period: int = 10
    transfer_window_days: int = 30
    device_address_requests_per_minute: int = 3000
    # The sandbox card processor's memory, shared by every process on this machine;
    # empty for one in memory (tests).
    sandbox_ledger: str | None = "var/sandbox-gateway.db"
    # The card processor: the in-process sandbox, or Stripe's API (real, or the sandbox
    # processor `subdesk sandbox-processor` speaking it on loopback).
    gateway: Literal["sandbox", "stripe"] = "sandbox"
    stripe_api_key: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    # The signing secret of the webhook endpoint Stripe sends events to (whsec_...).
    stripe_webhook_secret: SecretStr | None = None
    # How long one request to the processor may take before its outcome counts as unknown.
    gateway_timeout_seconds: float = 30.0
    # Taxes: the country the seller is established in (a business customer with a VAT ID in
    # another EU country or the UK gets reverse charge), and who computes the tax: "table" (the
    # rule table in billing/tax/table.py), or "package.module:factory", a vendor's provider
    # made by calling factory(settings).
    seller_country: str = "DE"
    tax_provider: str = "table"
    token_ttl_days: int = 30
    host: str = "127.0.0.1"
    port: int = 8000
    # Attempts allowed per sign-in key (email or address) per minute.
    sign_in_attempts_per_minute: int = 10
    # Sign-ups, and password-reset requests, per email address and per client address per
    # minute: each may send an email, and a sign-up hashes a password.
    sign_ups_per_minute: int = 5
    password_resets_per_minute: int = 5
    # Argon2 computations (hash or verify, 64 MiB each) one process runs at once; more wait.
    password_hashes_at_once: int = 4
    # Cancellations declared on the public page per email address, and per client address,
    # per minute: each stops renewals and mails the account, so a stranger gets only a few.
    declarations_per_minute: int = 5
    # Where links in emails point (the portal).
    public_url: str = "http://127.0.0.1:8000"
    # Outgoing email (SMTP); tls is "none", "starttls" or "ssl".
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "subdesk <no-reply@subdesk.example>"
    # The seller on invoices and credit notes: legal name, postal address (lines separated by
    # "|") and tax ID (its country is seller_country, above); the prefix of its document
    # series, and the time zone whose calendar year starts a new series (a charge at 23:30 UTC
    # on 31 December is January's there).
    seller_name: str = "Shield Security GmbH"
    seller_address: str = "Beispielstrasse 1|10115 Berlin|Germany"
    seller_tax_id: str = "DE000000000"
    document_prefix: str = Field("SD", pattern=r"^[A-Z0-9]{1,8}$")
    seller_timezone: str = "Europe/Berlin"
    # SHA-256 (hex) of the operator API key for /api/v1/admin; `subdesk keys operator` makes one.
    operator_key_sha256: str | None = None
    # App stores. Apple: the root certificates (PEM or DER files; Apple Root CA - G3 in
    # production) that notifications must chain to, and our app's bundle id. Google: the
    # secret the Pub/Sub push URL carries as ?token=, our package name, and the grace period
    # configured in Play Console. Store product ids map to plan codes (JSON object); a
    # product id that is itself a plan code needs no entry.
    apple_root_certs: list[str] = []
    apple_bundle_id: str | None = None
    google_push_token: str | None = None
    google_package_name: str | None = None
    google_grace_days: int = 7
    store_products: dict[str, str] = {}
    # Trust check: the words that name the vendor (its products are "Shield ..."), the regions
    # whose national numbers are read, where its advice points (paths under public_url), and
    # how many checks and reports one client address may send per minute.
    trust_brand_words: list[str] = ["shield"]
    trust_phone_regions: list[str] = ["US", "DE", "GB"]
    trust_cancel_path: str = "/account"
    trust_channels_path: str = "/contact"
    trust_checks_per_minute: int = 60
    trust_reports_per_minute: int = 5

    @field_validator("seller_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # an unknown zone fails at start, not on the first invoice
        return value
