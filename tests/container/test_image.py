"""The container image answers real requests, keeps its state in the /data volume, runs as an
unprivileged user, and reports its health: contract section 8's image, checked with podman."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx2
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN, TEST_DATABASE_URL
from tests.container.build_image import ROOT, podman
from tests.container.conftest import Container, identify, identify_new_user

pytestmark = [
    # Building the base (debootstrap) and the image on a busy 2-core machine takes minutes.
    pytest.mark.timeout(1200),
    # The image keeps SQLite in /data; the PostgreSQL pass would build and run the same image
    # again and learn nothing new (compose's PostgreSQL service is checked by test_compose.py).
    pytest.mark.skipif(bool(TEST_DATABASE_URL),
                       reason="the image is checked once, on SQLite in its /data volume; "
                              "the PostgreSQL pass adds nothing here"),
]


def test_image_identifies_and_keeps_its_state_in_the_data_volume_across_containers(
        image: str, volume: str, containers: Callable[..., Container]) -> None:
    first = containers(image, volume=volume, env={"FERNDESK_VERIFIER_ADMIN_TOKEN": ADMIN_TOKEN})
    first.wait_healthy()
    assert httpx2.get(f"{first.base}/healthz", timeout=5).json() == {"status": "ok"}
    hc_id, widget_id, secret = identify_new_user(first.base, "u-ada")
    podman("stop", "--time", "10", first.name)
    first.remove()

    # A new container on the same volume; this time the token comes as a `serve` flag.
    second = containers(image, "serve", "--admin-token", ADMIN_TOKEN, volume=volume)
    second.wait_healthy()
    center = httpx2.get(f"{second.base}/api/help-centers/{hc_id}", headers=ADMIN, timeout=10)
    assert center.status_code == 200
    assert center.json()["has_jwt_secret"] is True
    users = httpx2.get(f"{second.base}/api/help-centers/{hc_id}/users", headers=ADMIN,
                       timeout=10).json()
    assert [user["sub"] for user in users] == ["u-ada"]
    assert identify(second.base, widget_id, secret, "u-ada").status_code == 200


def test_image_runs_as_an_unprivileged_user_who_owns_the_database(
        image: str, containers: Callable[..., Container]) -> None:
    container = containers(image)
    container.wait_healthy()
    uid = container.exec("id", "-u")
    assert uid != "0"
    assert container.exec("stat", "-c", "%u", "/data/ferndesk-verifier.db") == uid
    # The generated admin token is printed once, as `serve` does outside a container.
    assert "admin token" in container.logs().lower()


def test_image_serves_the_ci_seed_mounted_read_only_as_docs_show(
        image: str, containers: Callable[..., Container]) -> None:
    seed = ROOT / "examples" / "ci" / "seed.json"
    container = containers(image, "serve", "--seed", "/seed.json",
                           env={"FERNDESK_VERIFIER_ADMIN_TOKEN": ADMIN_TOKEN},
                           options=("--volume", f"{seed}:/seed.json:ro"))
    container.wait_healthy()
    center = json.loads(seed.read_text())["help_centers"][0]
    users = httpx2.get(f"{container.base}/api/help-centers/{center['id']}/users",
                       headers=ADMIN, timeout=10)
    assert [user["sub"] for user in users.json()] == [center["users"][0]["sub"]]


def test_image_healthcheck_is_healthy_once_serving_and_unhealthy_when_nothing_listens(
        image: str, containers: Callable[..., Container]) -> None:
    serving = containers(image)
    serving.wait_healthy()
    assert podman("healthcheck", "run", serving.name, check=False).returncode == 0

    # The same image with its server replaced by a sleep: the check must see nothing there.
    idle = containers(image, "60", entrypoint="sleep")
    assert podman("healthcheck", "run", idle.name, check=False).returncode != 0
