"""Builds the product's image for the container tests; `python -m tests.container.build_image`
prints its name. `make test` runs it before pytest, since the build needs the network (apt for
debootstrap, PyPI for pip inside the build) and tests get none; the tests' fixture calls the
same code, which then finds the image built and up to date, or builds it on a developer's
machine.

The base is Debian bookworm made by debootstrap (base.sh, cached between runs) instead of the
Dockerfile's default python slim image, because no registry can be reached from the project's
machines. Podman runs as root with runc (containers.conf says why)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
IMAGE = "localhost/ferndesk-verifier:test"
# What the Dockerfile copies, besides itself: the image is rebuilt when one of these changes.
CONTEXT = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md",
           "verifier", "migrations", "sdk_stub")
SOURCE_LABEL = "org.ferndesk-verifier.test-source"
PODMAN_ENV = {**os.environ, "CONTAINERS_CONF": str(HERE / "containers.conf")}
BUILD_SECONDS = 900


def podman(*args: str, timeout: float = 120, check: bool = True
           ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["podman", *args], env=PODMAN_ENV, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {done.returncode}:\n"
                             f"{done.stdout}\n{done.stderr}")
    return done


def context_digest(base_image_id: str) -> str:
    """A digest of the build's inputs: the base image and the files the Dockerfile copies."""
    digest = hashlib.sha256(base_image_id.encode())
    for name in CONTEXT:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(
            path for path in top.rglob("*") if path.is_file()
            and not {"__pycache__", "node_modules"} & set(path.relative_to(ROOT).parts))
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_image() -> str:
    """The Dockerfile's image on the test base, rebuilt only when its inputs changed (its label
    holds their digest), so the PostgreSQL pass of `make test` reuses the SQLite pass's. Built
    without kept layers, and the image it replaces is removed, so runs leave no litter."""
    base = subprocess.run(["bash", str(HERE / "base.sh")], env=PODMAN_ENV, capture_output=True,
                          text=True, timeout=BUILD_SECONDS, check=False)
    if base.returncode != 0:
        raise AssertionError(f"tests/container/base.sh failed:\n{base.stderr}")
    base_image = base.stdout.strip()
    base_id = podman("image", "inspect", "--format", "{{.Id}}", base_image).stdout.strip()
    source = context_digest(base_id)
    old = podman("image", "inspect", "--format",
                 '{{.Id}} {{index .Labels "' + SOURCE_LABEL + '"}}', IMAGE, check=False)
    old_id, _, old_source = old.stdout.strip().partition(" ")
    if old.returncode == 0 and old_source == source:
        return IMAGE
    podman("build", "--quiet", "--layers=false",
           "--format", "docker",  # the OCI format has no HEALTHCHECK
           "--label", f"{SOURCE_LABEL}={source}",
           "--build-arg", f"BASE_IMAGE={base_image}", "--tag", IMAGE, str(ROOT),
           timeout=BUILD_SECONDS)
    if old.returncode == 0:
        podman("rmi", old_id, check=False)
    return IMAGE


if __name__ == "__main__":
    try:
        print(build_image())
    except (AssertionError, subprocess.TimeoutExpired) as exc:
        sys.exit(f"the container tests' image could not be built: {exc}")
