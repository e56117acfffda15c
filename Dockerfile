# One image for web, worker and beat (and, later, marketdata and sandbox).
FROM node:20-slim AS frontend
WORKDIR /build
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# The sandbox engine compiled with mypyc (sandbox/build_engine.py): the slim image has no compiler.
FROM python:3.11 AS engine
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -c requirements.lock mypy setuptools
COPY sandbox/ sandbox/
RUN python -m sandbox.build_engine

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY config/ config/
COPY core/ core/
COPY accounts/ accounts/
COPY builder/ builder/
COPY execution/ execution/
COPY sandbox/ sandbox/
COPY demo/ demo/
COPY manage.py ./
RUN pip install --no-cache-dir -c requirements.lock .
COPY --from=frontend /build/dist frontend/dist
COPY --from=engine /app/sandbox/engine/_compiled sandbox/engine/_compiled
# collectstatic loads the production settings, which refuse to start without their secrets. These
# placeholders exist only in this build step (an all-zero, well-formed Fernet key: nothing is
# encrypted here); the running containers get the real ones from the environment.
RUN DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=build-only \
    CREDENTIALS_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    SANDBOX_ADMIN_TOKEN=build-only python manage.py collectstatic --noinput
RUN useradd --create-home app
USER app
EXPOSE 8000
