FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e . \
    && DJANGO_SETTINGS_MODULE=crm.settings.base python manage.py compilemessages --ignore .venv -v 0 \
    && REGULARS_STATIC_ROOT=/app/staticfiles DJANGO_SETTINGS_MODULE=crm.settings.production \
       REGULARS_SECRET_KEY=only-for-collectstatic-while-building-the-image-not-used-at-run-time \
       python manage.py collectstatic --noinput -v 0
RUN useradd --system --home /app regulars && mkdir -p /data/media && chown regulars /data/media
USER regulars
EXPOSE 8000
