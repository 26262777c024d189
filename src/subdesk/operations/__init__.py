"""Running subdesk: metrics, structured logs, request ids and health checks."""
