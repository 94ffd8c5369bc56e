# Protective Eyes: one image for the API (`eyes serve`), the plan workers (`eyes worker`),
# Celery beat (`eyes beat`) and `eyes migrate`. Build: docker build -t protective-eyes .
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, for layer caching, pinned by the lock file.
COPY pyproject.toml README.md requirements.lock ./
COPY graphs/__init__.py graphs/__init__.py
COPY solver/__init__.py solver/__init__.py
COPY service/__init__.py service/__init__.py
COPY forecast/__init__.py forecast/__init__.py
RUN pip install --constraint requirements.lock '.[postgres]' && pip uninstall -y protective-eyes

COPY graphs graphs
COPY solver solver
COPY service service
COPY forecast forecast
COPY data data
COPY examples examples
RUN pip install --no-deps --constraint requirements.lock '.[postgres]' \
    && python -m compileall -q /app /usr/local/lib/python3.11/site-packages

RUN useradd --create-home --uid 10001 eyes && mkdir -p /app/var/nightly && chown -R eyes /app/var
USER 10001

ENV EYES_AREAS_DIR=/app/data/areas \
    EYES_GRAPH_CACHE_DIR=/app/var/graph-cache \
    EYES_DATABASE_URL=sqlite:////app/var/eyes.db \
    EYES_HOST=0.0.0.0 \
    EYES_PORT=8000

# Bake the default area's street graphs into the image: never built per request.
RUN python -c "from pathlib import Path; from graphs import load_graph; \
[load_graph(Path('/app/data/areas/sindal.osm.bz2'), mode=m, cache_dir=Path('/app/var/graph-cache')) for m in ('drive', 'bike', 'walk')]"

EXPOSE 8000
# Liveness of the API (the worker and beat services override it in docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["eyes", "serve"]
