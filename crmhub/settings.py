"""Configuration from environment variables (prefix ``CRMHUB_``) or a ``.env`` file."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = Path(".crmhub-secret")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRMHUB_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./crmhub.db"
    broadcast_url: str = "memory://"
    secret: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # Database connections per process (and as many again in overflow). Size it to the
    # concurrent requests a process serves: overflow connections are opened and closed per use.
    pool_size: int = 10
    # A bearer token lives this long unless logged out or revoked before.
    token_ttl_hours: int = 24 * 14
    # Login throttling: this many failed attempts within the window answer RATE_LIMITED, for
    # one e-mail from one client address (a stranger elsewhere cannot lock the owner out),
    # and for all e-mails from one address.
    login_failures_per_email: int = 5
    login_failures_per_address: int = 30
    login_failure_window_seconds: int = 15 * 60
    # Query limits (docs/security.md): how deep, how many aliases, how many fields
    # (fragments expanded), what estimated cost (fields times the items of the lists around
    # them) a document may reach; how many list items an operation may meet, and how long
    # a query or mutation may run (0: no limit).
    query_max_depth: int = 12
    query_max_aliases: int = 30
    query_max_selections: int = 2_000
    query_max_cost: int = 50_000
    query_max_list_items: int = 10_000
    operation_timeout_seconds: float = 10.0
    # Transport limits (docs/security.md, "Transport limits"). A request body past this
    # size is answered 413 before it is read (or as soon as a chunked one passes it).
    max_body_bytes: int = 1024 * 1024
    # A multipart GraphQL request (file uploads, docs/data.md) may be this large in all, and
    # carry at most this many files; its files are spooled to disk as they arrive.
    max_upload_bytes: int = 25 * 1024 * 1024
    max_upload_files: int = 10
    # The request line and headers must arrive within this time and this size (408, 431),
    # and a body must arrive within its own time once the headers are in (408).
    header_timeout_seconds: float = 10.0
    max_header_bytes: int = 64 * 1024
    body_timeout_seconds: float = 30.0
    # Web forms (docs/integrations.md): a submission's body at most this size; at most this
    # many submissions of one form from one client address within the window.
    form_max_bytes: int = 16 * 1024
    form_submissions_per_address: int = 20
    form_submission_window_seconds: int = 10 * 60
    # Websockets: connection_init within this time; open sockets and running operations
    # per user across this process, and operations per socket.
    connection_init_timeout_seconds: float = 10.0
    max_websockets_per_user: int = 20
    max_subscriptions_per_user: int = 100
    max_subscriptions_per_connection: int = 20
    # Persisted queries (docs/persisted-queries.md): documents up to this size are registered
    # by the clients that send them with their hash; with the allow-list on, only documents
    # registered by `crmhub persist` run.
    persisted_query_max_bytes: int = 64 * 1024
    persisted_queries_allow_list: bool = False
    # Operations (docs/operations.md). Logs: one JSON object per line ("json") or text.
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    # Prometheus metrics at /metrics (keep the path away from the public internet).
    metrics_enabled: bool = True
    # CORS, for browser pages on other origins: the origins allowed (none: off), given as a
    # JSON list (CRMHUB_CORS_ALLOW_ORIGINS='["https://app.example.com"]'); whether they may
    # send cookies; how long a browser may cache a preflight's answer.
    cors_allow_origins: list[str] = []
    cors_allow_credentials: bool = False
    cors_max_age_seconds: int = 600
    # Outgoing webhooks (docs/integrations.md, "Webhooks"): whether this process sends them;
    # a failed attempt is retried after a random delay up to base * 2^(attempt-1) seconds,
    # capped at the maximum, until the attempts run out (the delivery has then FAILED); a
    # request may take the timeout; this many FAILED deliveries in a row disable the webhook.
    # Besides being woken by new events, the sender looks for due retries every poll interval.
    webhook_worker_enabled: bool = True
    webhook_retry_base_seconds: float = 10.0
    webhook_retry_max_seconds: float = 3600.0
    webhook_max_attempts: int = 10
    webhook_timeout_seconds: float = 10.0
    webhook_disable_after_failures: int = 5
    webhook_poll_interval_seconds: float = 2.0
    # Automation rules (docs/integrations.md): whether this process runs them (every process
    # may: each rule runs once per event whatever the number), how often the event log is
    # polled besides the bus's wake-ups, and how many rules deep a chain of rules triggering
    # rules may go.
    automation_enabled: bool = True
    automation_poll_seconds: float = 1.0
    automation_depth_limit: int = 3
    # How often this process looks for tasks newly past their deadline, to announce them
    # (TASK_OVERDUE in the feed, to webhooks and rules); 0: never (other processes may).
    task_overdue_check_seconds: float = 30.0
    # OpenTelemetry: the OTLP/HTTP traces URL to export spans to (empty: no tracing).
    tracing_endpoint: str = ""
    # E-mail (docs/integrations.md, "E-mail"). Without an SMTP host mail is off: messages
    # are still written to the outbox, and nothing is sent until a host is set.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    # "starttls": upgrade a plain connection (port 587); "tls": TLS from the start (465);
    # "none": plain text, for a relay on the same host or network only.
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "crmhub@localhost"
    # Where the hub is reached from outside: unsubscribe links in mass mail start with it.
    public_base_url: str = "http://127.0.0.1:8000"
    # Exports (docs/data.md): how long a download link works, and the rows read per
    # statement while it streams (memory stays bounded by this, whatever the export's size).
    export_link_ttl_seconds: int = 600
    export_chunk_rows: int = Field(default=500, ge=1, le=10_000)
    # Bulk actions (docs/data.md): the most records one bulkUpdateX / bulkDeleteX /
    # bulkMoveDeals call acts on; more is refused (BAD_USER_INPUT), nothing done.
    bulk_max_records: int = Field(default=1000, ge=1, le=100_000)
    # Attachments (docs/data.md): where their bytes are kept, ``file:///path`` or
    # ``s3://bucket/prefix?endpoint_url=…&region=…`` (credentials from the AWS_* variables);
    # empty: a ``var/files`` directory beside the SQLite database, or in the working
    # directory. And how long a download link works.
    storage_url: str = ""
    file_link_ttl_seconds: int = Field(default=300, ge=1)
    # Imports (docs/data.md): whether this process runs import jobs (any may), how often it
    # looks for waiting ones, rows per transaction, how long a worker holds a job without
    # renewing it, how often a job may be taken over before it fails, the largest file.
    import_worker_enabled: bool = True
    import_poll_seconds: float = 2.0
    import_batch_rows: int = Field(default=100, ge=1, le=5000)
    import_lease_seconds: float = Field(default=30.0, gt=0)
    import_max_attempts: int = Field(default=3, ge=1)
    import_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # Reads compiled to one SQL statement per root field (docs/performance.md): "on",
    # "off" (the resolvers answer everything), or "verify" (the resolvers answer, and every
    # read the compiler can answer is compiled too and compared: the test suite's mode).
    compiled_reads: Literal["on", "off", "verify"] = "on"
    # A message that fails is tried again after base, 2 x base, 4 x base, ... seconds, at most
    # this many times in all; then it is FAILED.
    mail_max_attempts: int = 5
    mail_retry_base_seconds: float = 60.0
    # How often the worker looks for due messages, and how often digest users get one.
    mail_poll_seconds: float = 5.0
    mail_digest_interval_seconds: int = 24 * 60 * 60

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _require_secret_in_production(self) -> Settings:
        if not self.secret and not self.is_sqlite:
            raise ValueError(
                "CRMHUB_SECRET is required when the database is not the embedded SQLite; "
                "set it to the same long random string on every app process"
            )
        return self

    @cached_property
    def token_secret(self) -> bytes:
        """The secret that keys token hashes; on the embedded default it is made once and kept."""
        if self.secret:
            return self.secret.encode()
        if not SECRET_FILE.exists():
            SECRET_FILE.write_text(secrets.token_urlsafe(48))
            SECRET_FILE.chmod(0o600)
        return SECRET_FILE.read_text().strip().encode()
