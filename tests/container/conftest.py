"""The product's image, built from the repository's Dockerfile and run with podman.

No registry can be reached from the project's machines, so the image is built on a Debian
bookworm base made by debootstrap (tests/container/base.sh, cached between runs) instead of the
Dockerfile's default python slim image. Podman runs as root with runc (tests/container/
containers.conf says why). Under CI=true a missing podman, runc, debootstrap or root is a
failure; elsewhere the tests skip and say what is missing."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import jwt
import pytest

from tests.conftest import ADMIN, APP_ORIGIN
from tests.process.conftest import wait_healthy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
IMAGE = "localhost/ferndesk-verifier:test"
# What the Dockerfile copies, besides itself: the image is rebuilt when one of these changes.
CONTEXT = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md",
           "verifier", "migrations", "sdk_stub")
SOURCE_LABEL = "org.ferndesk-verifier.test-source"
PODMAN_ENV = {**os.environ, "CONTAINERS_CONF": str(HERE / "containers.conf")}
BUILD_SECONDS = 900


def need_podman() -> None:
    missing = [tool for tool in ("podman", "debootstrap", "flock") if shutil.which(tool) is None]
    if not Path("/usr/sbin/runc").exists():
        missing.append("runc")
    problem = ""
    if missing:
        problem = f"{', '.join(missing)} missing (apt-get install podman runc debootstrap)"
    elif os.geteuid() != 0:
        problem = "podman and debootstrap run as root here, and this is not root"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"container tests cannot run in CI: {problem}")
        pytest.skip(f"CONTAINER TESTS SKIPPED: {problem}")


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


@pytest.fixture(scope="session")
def image() -> str:
    """The Dockerfile's image on the test base. It is rebuilt only when its inputs changed (its
    label holds their digest), so the PostgreSQL pass of `make test` reuses the SQLite pass's;
    built without kept layers, and the image it replaces is removed, so runs leave no litter."""
    need_podman()
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


class Container:
    """A detached container of the image. ``base`` is where the host reaches it: a published
    loopback port, or the given port on the host's own network."""

    def __init__(self, image: str, *command: str, volume: str | None = None,
                 env: dict[str, str] | None = None, host_port: int | None = None,
                 entrypoint: str | None = None, options: tuple[str, ...] = ()) -> None:
        self.name = f"fv-test-{uuid.uuid4().hex[:10]}"
        options = [*options, "--name", self.name,
                   # podman's health timer needs systemd, absent here: `healthcheck run` instead
                   "--health-interval", "disable"]
        if host_port is None:
            options += ["--publish", "127.0.0.1::8765"]
        else:
            options += ["--network", "host"]
        if volume:
            options += ["--volume", f"{volume}:/data"]
        if entrypoint:
            options += ["--entrypoint", entrypoint]
        for key, value in (env or {}).items():
            options += ["--env", f"{key}={value}"]
        podman("run", "--detach", *options, image, *command)
        if host_port is None:
            self.base = "http://" + podman("port", self.name, "8765/tcp").stdout.strip()
        else:
            self.base = f"http://127.0.0.1:{host_port}"

    def wait_healthy(self) -> None:
        try:
            wait_healthy(self.base)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; the container said:\n{self.logs()}") from None

    def exec(self, *command: str) -> str:
        return podman("exec", self.name, *command).stdout.strip()

    def logs(self) -> str:
        done = podman("logs", self.name, check=False)
        return done.stdout + done.stderr

    def remove(self) -> None:
        podman("rm", "--force", "--volumes", "--time", "1", self.name, check=False)


@pytest.fixture
def containers() -> Iterator[Callable[..., Container]]:
    """Start containers with ``containers(image, *command, ...)``; all are removed after."""
    started: list[Container] = []

    def start(*args: str, **kwargs: object) -> Container:
        container = Container(*args, **kwargs)  # type: ignore[arg-type]
        started.append(container)
        return container

    yield start
    for container in started:
        container.remove()


@pytest.fixture
def volume() -> Iterator[str]:
    """A named podman volume of its own, removed after."""
    name = f"fv-test-{uuid.uuid4().hex[:10]}"
    podman("volume", "create", name)
    yield name
    podman("volume", "rm", "--force", name, check=False)


def identify_new_user(base: str, sub: str) -> tuple[str, str, str]:
    """Create a help center on help.example.com with a secret, and identify ``sub`` from
    app.example.com; returns (help center id, widget id, secret)."""
    center = httpx2.post(f"{base}/api/help-centers", headers=ADMIN, timeout=10,
                         json={"name": "Acme", "domain": "help.example.com"})
    assert center.status_code == 201, center.text
    hc = center.json()
    secret = httpx2.post(f"{base}/api/help-centers/{hc['id']}/jwt-secret", headers=ADMIN,
                         timeout=10)
    assert secret.status_code == 201, secret.text
    assert identify(base, hc["widget_id"], secret.json()["secret"], sub).status_code == 200
    return hc["id"], hc["widget_id"], secret.json()["secret"]


def identify(base: str, widget_id: str, secret: str, sub: str) -> httpx2.Response:
    token = jwt.encode({"sub": sub, "email": f"{sub}@example.com", "name": "Ada",
                        "exp": int(time.time()) + 600}, secret, algorithm="HS256")
    return httpx2.post(f"{base}/widget/{widget_id}/identify", json={"jwt": token},
                       headers={"Origin": APP_ORIGIN}, timeout=10)
