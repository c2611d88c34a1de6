# syntax=docker/dockerfile:1.7
# jobs: the one-shot preparation jobs (deploy/compose/platform_jobs.py): migrations, topics, the starter
# model, the platform's API keys (as files for compose, as Secrets in Kubernetes), compose's gRPC
# certificates (the authority's folder and the services') and its services' PostgreSQL roles. Build
# from the repository root:
#   docker build -f deploy/docker/jobs.Dockerfile .
# It needs the operations wing (fraudctl's key making) and the model library's training, so it installs
# the `ops` extra: larger than a service image, but it runs for seconds and serves nothing.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM ${PYTHON_IMAGE} AS deps
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project --extra ops

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 fraud \
    && useradd --system --no-log-init --uid 10001 --gid fraud --no-create-home --shell /usr/sbin/nologin fraud \
    && mkdir -p /models /run/fraudmesh/keys /run/fraudmesh/tls /run/fraudmesh/authority /run/fraudmesh/database \
    && chown 10001:10001 /models /run/fraudmesh/keys /run/fraudmesh/tls /run/fraudmesh/authority /run/fraudmesh/database
WORKDIR /app
COPY --from=deps /app/.venv /app/.venv
COPY fraudmesh ./fraudmesh
COPY fraudmodel ./fraudmodel
COPY fraudctl ./fraudctl
COPY store_svc ./store_svc
COPY deploy/compose/platform_jobs.py ./platform_jobs.py
# The volumes mounted at /models and /run/fraudmesh/* take these folders' owner when first created,
# so the jobs (and the services, same uid) can write and read them.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app:/app/fraudmesh/_generated \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MODELS_DIR=/models \
    KEYS_DIR=/run/fraudmesh/keys \
    NUMBA_CACHE_DIR=/tmp/numba-cache
# Our own modules compiled into the image: the service user cannot write /app, and compiling them
# at every start would slow each restart.
RUN python -m compileall -q fraudmesh fraudmodel fraudctl store_svc
USER 10001:10001
ENTRYPOINT ["python", "/app/platform_jobs.py"]
CMD ["--help"]
