# xinqing — gunicorn on 0.0.0.0:8000 as a non-root user.
# Build: docker build -t xinqing .   Run: see docker-compose.yml (needs XINQING_REDIS_URL,
# XINQING_SECRET_KEY and XINQING_ADMIN_TOKEN for a real deployment).

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY service ./service
COPY schemas ./schemas
RUN pip install .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    XINQING_BIND=0.0.0.0:8000
RUN groupadd --system xinqing && useradd --system --gid xinqing --home-dir /app xinqing
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY gunicorn.conf.py ./
USER xinqing
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "service:create_app()"]
