# syntax=docker/dockerfile:1
# One image for web (gunicorn), worker (celery worker) and beat (celery beat); see docker-compose.yml.
#   docker build -t together-voices-portal .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- Front end: GOV.UK Frontend + our Sass -> static_build/ (Node.js from Debian's packages) ---------
FROM ${PYTHON_IMAGE} AS frontend
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ frontend/
RUN node frontend/build.mjs

# --- Python dependencies: the runtime set only (requirements.txt, not requirements-dev.txt) ---------
FROM ${PYTHON_IMAGE} AS python-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt .
RUN /opt/venv/bin/pip install -r requirements.txt

# --- Runtime --------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    MEDIA_ROOT=/app/media \
    PRIVATE_ROOT=/app/private
# curl: for the compose healthcheck on the web service. Pango, HarfBuzz and fonts: WeasyPrint (minutes PDFs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --home-dir /app --shell /usr/sbin/nologin portal
WORKDIR /app
COPY --from=python-deps /opt/venv /opt/venv
COPY . .
COPY --from=frontend /build/static_build/ static_build/
# Hashed, compressed static files for WhiteNoise. The key only lets the settings load; it signs nothing.
RUN SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput -v 0 \
 && mkdir -p /app/media /app/private \
 && chown portal:portal /app/media /app/private
USER portal
EXPOSE 8000
# WEB_CONCURRENCY (gunicorn's own variable) sets the number of workers; it defaults to 1.
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
