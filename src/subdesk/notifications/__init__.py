"""Notifications: the email outbox, its templates in English and German, and SMTP delivery."""
