"""Containers of the product's image (built by build_image.py), run with podman, and the
helpers the container tests share. Under CI=true a missing podman, runc, debootstrap or root is a
failure; elsewhere the tests skip and say what is missing."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import jwt
import pytest

from tests.conftest import ADMIN, APP_ORIGIN
from tests.container.build_image import build_image, podman
from tests.needs import need
from tests.process.conftest import wait_healthy


def need_podman() -> None:
    missing = [tool for tool in ("podman", "debootstrap", "flock") if shutil.which(tool) is None]
    if not Path("/usr/sbin/runc").exists():
        missing.append("runc")
    problem = None
    if missing:
        problem = f"{', '.join(missing)} missing (apt-get install podman runc debootstrap)"
    elif os.geteuid() != 0:
        problem = "podman and debootstrap run as root here, and this is not root"
    need(problem, "container tests")


@pytest.fixture(scope="session")
def image() -> str:
    """The Dockerfile's image on the test base (see build_image.py)."""
    need_podman()
    return build_image()


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
