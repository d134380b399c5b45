# ferndesk-verifier as a container, for a team's shared instance or a CI service.
#   docker build -t ferndesk-verifier .
#   docker run --rm -p 8765:8765 -e FERNDESK_VERIFIER_ADMIN_TOKEN=change-me ferndesk-verifier
#   docker run --rm -p 8765:8765 -v "$PWD/examples/ci/seed.json:/seed.json:ro" \
#     ferndesk-verifier serve --seed /seed.json
# Same flags and FERNDESK_VERIFIER_* variables as `ferndesk-verifier serve`; it listens on
# 0.0.0.0:8765 and keeps its SQLite database in the /data volume (or set
# FERNDESK_VERIFIER_DATABASE_URL to a PostgreSQL URL). With podman, build with `--format docker`
# to keep the HEALTHCHECK (the OCI image format has no place for it).
#
# BASE_IMAGE: any Debian-based image with Python 3.11+ and python3-venv (tests/container builds
# it on a debootstrapped Debian bookworm, whose python3 is Debian's own).
ARG BASE_IMAGE=python:3.11-slim

# Stage 1: a virtualenv with the package and its dependencies (wheels only: no compiler needed);
# pip and setuptools leave with this stage, and so do the sources and pip's cache. The bytecode
# stays: it costs about 20 MB and saves each start (each worker's) some 2.5 s of compiling.
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY verifier ./verifier
COPY migrations ./migrations
COPY sdk_stub ./sdk_stub
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
      ".[postgres]" \
 && /opt/venv/bin/pip uninstall --yes --quiet pip setuptools

# Stage 2: the venv on a clean base, run by an unprivileged user who owns only /data.
FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home verifier \
 && mkdir -p /data && chown verifier:verifier /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FERNDESK_VERIFIER_HOST=0.0.0.0 \
    FERNDESK_VERIFIER_PORT=8765 \
    FERNDESK_VERIFIER_DATABASE_URL=sqlite:////data/ferndesk-verifier.db
USER verifier
WORKDIR /data
VOLUME /data
EXPOSE 8765
# No curl in slim images: Python asks /healthz on FERNDESK_VERIFIER_PORT (move the port with that
# variable, not --port, and the check follows).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('FERNDESK_VERIFIER_PORT', '8765') + '/healthz', timeout=2)"]
ENTRYPOINT ["ferndesk-verifier"]
CMD ["serve"]
