# syntax=docker/dockerfile:1
# Ship or Skip: a slim, non-root image. Dependencies are wheels (psycopg[binary]), so the final
# image needs no compiler; building happens in the first stage only.
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY shipskip ./shipskip
COPY comparisons ./comparisons
COPY votes ./votes
COPY accounts ./accounts
COPY throttle ./throttle
COPY newsletter ./newsletter
COPY api ./api
COPY ops ./ops
RUN python -m venv /venv && /venv/bin/pip install --upgrade pip && /venv/bin/pip install .

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 shipskip
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=shipskip:shipskip . .
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_DEBUG=false \
    PORT=8000
# collectstatic only reads settings; these placeholders never reach a running container.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgresql://collectstatic@localhost/none \
    python manage.py collectstatic --noinput \
 && chown -R shipskip:shipskip /app/staticfiles
USER shipskip
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn -c gunicorn.conf.py shipskip.wsgi"]
