"""The ASGI entry point for uvicorn (``crmhub.asgi:app``), configured from the environment."""

from crmhub.app import create_app

app = create_app()
