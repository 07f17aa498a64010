# xinqing: gunicorn + the Flask app, non-root, on a slim Python.
# Build: docker build -t xinqing .   Run with Redis: docker compose up (docker-compose.yml).

# -- build: turn the project and its dependencies into wheels (nothing of this stage ships) --
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# README.md* : the project metadata points at it; the glob keeps the build working without it.
COPY pyproject.toml README.md* ./
COPY service ./service
COPY schemas ./schemas
RUN pip wheel --wheel-dir /wheels .

# -- runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    XINQING_BIND=0.0.0.0:8000
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin xinqing
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels xinqing && rm -rf /wheels
USER xinqing
EXPOSE 8000
# /healthz does not touch Redis: an unhealthy container is a stuck process, not a Redis outage
# (readiness, /readyz, is for the load balancer).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# gunicorn stops gracefully on SIGTERM: in-flight requests finish within graceful_timeout (30 s).
STOPSIGNAL SIGTERM
# The start command: gunicorn with the settings inside the package (service/gunicorn_conf.py);
# extra gunicorn options may follow, e.g. `docker run xinqing xinqing serve --workers 8`.
CMD ["xinqing", "serve"]
