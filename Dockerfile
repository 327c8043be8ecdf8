# Foreseer: one image for the web server, the Celery worker and Celery beat;
# docker-compose.yml picks the command. Runs as a non-root user.
FROM python:3.11-slim

# PYTHONPATH=/app: the settings find templates, data and var/ relative to the
# imported code, so that must be this copy, never the one in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    FORESEER_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

RUN groupadd --system foreseer \
    && useradd --system --gid foreseer --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin foreseer

WORKDIR /app

# The dependencies get their own layer, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Production settings refuse to load without a real secret and host list;
# collectstatic needs neither, so it gets throwaway values for this step only
# (they are not kept in the image).
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && chmod 0755 bin/* \
    && SECRET_KEY=collectstatic-at-build-time-only-not-a-real-secret-key \
       ALLOWED_HOSTS=localhost \
       DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
       python manage.py collectstatic --noinput \
    && rm -f /tmp/collectstatic.sqlite3 \
    && mkdir -p /app/var \
    && chown -R foreseer:foreseer /app/var

USER foreseer
EXPOSE 8000

# No HEALTHCHECK here: the image also runs the worker and beat, which serve no
# HTTP. docker-compose.yml gives each service its own (web: bin/healthcheck).

# The web server (migrate, then gunicorn); compose runs the worker and beat
# from the same image with their own commands.
CMD ["bin/docker-web"]
