"""The ASGI entry point for uvicorn (``crmhub.asgi:app``), configured from the environment.
Every worker process imports it, so it sets up that process's logging too."""

from crmhub.app import create_app
from crmhub.logging_setup import configure_logging
from crmhub.settings import Settings

settings = Settings()
configure_logging(settings.log_level, settings.log_format)
app = create_app(settings)
