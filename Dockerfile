# ferndesk-verifier as a container, for a team's shared instance or a CI service.
# Untested here (no container engine on the project's machines); the shell recipe in
# docs/ci.md is the tested way. Build and run:
#   docker build -t ferndesk-verifier .
#   docker run --rm -p 8765:8765 -e FERNDESK_VERIFIER_ADMIN_TOKEN=change-me \
#     -v "$PWD/examples/ci/seed.json:/seed.json:ro" ferndesk-verifier serve --seed /seed.json
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY verifier ./verifier
COPY migrations ./migrations
COPY sdk_stub ./sdk_stub
RUN pip install --no-cache-dir ".[postgres]" && mkdir -p /data
ENV FERNDESK_VERIFIER_HOST=0.0.0.0 \
    FERNDESK_VERIFIER_DATABASE_URL=sqlite:////data/ferndesk-verifier.db
VOLUME /data
EXPOSE 8765
ENTRYPOINT ["ferndesk-verifier"]
CMD ["serve"]
