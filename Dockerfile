# crmhub: one app process per container (uvicorn, port 8000). See README, "Production".
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/crmhub
COPY requirements.lock ./
RUN /opt/crmhub/bin/pip install --require-hashes -r requirements.lock

FROM python:3.11-slim
# The source runs from /app (migrations are read from beside the packages); read-only to the
# app's user, which owns nothing but its home.
ENV PATH=/opt/crmhub/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 \
    CRMHUB_HOST=0.0.0.0 CRMHUB_PORT=8000
RUN useradd --system --uid 10001 --home-dir /home/crmhub --create-home crmhub
COPY --from=build /opt/crmhub /opt/crmhub
WORKDIR /app
COPY alembic.ini ./
COPY models models
COPY auth auth
COPY subscriptions subscriptions
COPY resolvers resolvers
COPY schema schema
COPY crmhub crmhub
COPY migrations migrations
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["python", "-m", "crmhub.cli", "serve"]
