"""Wiring: settings, database engine, the ASGI app, the CLI and demo data."""
