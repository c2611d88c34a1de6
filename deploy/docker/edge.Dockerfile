# syntax=docker/dockerfile:1.7
# edge: REST and WebSocket front door translating to gRPC, serving the analysts' console.
# Build from the repository root: docker build -f deploy/docker/edge.Dockerfile .
# Dependencies come from uv.lock exactly (`uv sync --frozen`): the base and the `edge` extra of
# pyproject.toml, what this service imports and nothing else, without the dev group; the runtime
# stage has the virtual environment and the packages it runs only, and runs as an unprivileged user.

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
# Only the locked third-party packages: the project itself runs from source (PYTHONPATH below),
# so a change to our code does not rebuild this layer.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project --extra edge

# The analysts' console: a static build served by the edge.
FROM node:22-bookworm-slim AS console
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 fraud \
    && useradd --system --no-log-init --uid 10001 --gid fraud --no-create-home --shell /usr/sbin/nologin fraud
WORKDIR /app
COPY --from=deps /app/.venv /app/.venv
COPY fraudmesh ./fraudmesh
COPY edge ./edge
COPY --from=console /web/dist ./web/dist
# Generated protobuf code keeps protoc's absolute imports (fraud.v1, buf.validate): its folder is a path root.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app:/app/fraudmesh/_generated \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WEB_DIST_DIR=/app/web/dist
# Our own modules compiled into the image: the service user cannot write /app, and compiling them
# at every start would slow each restart.
RUN python -m compileall -q fraudmesh edge
USER 10001:10001
EXPOSE 8000 9105
# /api/health is 200 only when every upstream is SERVING: the edge is of no use without them.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "fraudmesh.healthcheck", "http://127.0.0.1:8000/api/health"]
CMD ["python", "-m", "edge"]
