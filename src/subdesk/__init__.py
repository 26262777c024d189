"""subdesk: the subscription desk of a consumer security-software vendor."""

__version__ = "0.1.0"
