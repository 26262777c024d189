"""The ASGI entry point for uvicorn and other servers: `subdesk.asgi:app`."""

from subdesk.app import create_app

app = create_app()
