"""Every table of subdesk, imported here so Alembic and the services see one metadata."""

from subdesk.models.accounts import (
    Account,
    ApiToken,
    BillingAddress,
    PasswordReset,
    PaymentMethod,
)
from subdesk.models.audit import AuditEvent, IdempotencyRecord
from subdesk.models.base import Base
from subdesk.models.billing import (
    CreditNote,
    Dispute,
    DocumentSeries,
    Invoice,
    Payment,
    PaymentAttempt,
    ProcessorEvent,
    Refund,
)
from subdesk.models.catalog import Disclosure, Plan, Product, Service, product_services
from subdesk.models.declarations import CancellationDeclaration
from subdesk.models.help import HelpArticle
from subdesk.models.licensing import Device
from subdesk.models.notifications import Notice, OutboxEmail
from subdesk.models.partners import Partner, PartnerKey, PartnerSubscription
from subdesk.models.retail import RetailKey
from subdesk.models.sandbox import SandboxClockRow
from subdesk.models.stores import StoreNotification, StoreSubscription
from subdesk.models.subscriptions import Cancellation, Consent, Subscription
from subdesk.models.support import (
    CaseMessage,
    RefundException,
    StaffMember,
    StaffSession,
    StaffToken,
    SupportCase,
)
from subdesk.models.tax import TaxDecision
from subdesk.models.trust import (
    OfficialDomain,
    OfficialPhone,
    ScamNumber,
    TrustReport,
    TrustReportNumber,
)
from subdesk.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "BillingAddress",
    "Base",
    "Cancellation",
    "CancellationDeclaration",
    "CaseMessage",
    "Consent",
    "CreditNote",
    "Device",
    "Disclosure",
    "DocumentSeries",
    "HelpArticle",
    "IdempotencyRecord",
    "Invoice",
    "Notice",
    "OfficialDomain",
    "OfficialPhone",
    "OutboxEmail",
    "Dispute",
    "Payment",
    "ProcessorEvent",
    "PaymentAttempt",
    "Partner",
    "PartnerKey",
    "PartnerSubscription",
    "PasswordReset",
    "PaymentMethod",
    "Plan",
    "Product",
    "Refund",
    "RefundException",
    "RetailKey",
    "SandboxClockRow",
    "ScamNumber",
    "Service",
    "StaffMember",
    "StaffSession",
    "StaffToken",
    "StoreNotification",
    "StoreSubscription",
    "Subscription",
    "SupportCase",
    "TaxDecision",
    "TrustReport",
    "TrustReportNumber",
    "WebhookDelivery",
    "WebhookEndpoint",
    "product_services",
]
