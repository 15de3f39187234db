# Browser assets (Chart.js) come from npm; only node_modules is carried over.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HELPDESK_VAR_DIR=/app/var
WORKDIR /app
# xmlsec1 checks the signatures of SAML single sign-on (pysaml2 runs it).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends xmlsec1 \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY --from=assets /assets/node_modules ./node_modules
RUN pip install --no-cache-dir -e . \
    && HELPDESK_ENV=production DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=build \
       python manage.py collectstatic --noinput \
    && useradd --create-home helpdesk && mkdir -p /app/media && chown -R helpdesk /app/var /app/media
USER helpdesk
EXPOSE 8000
