"""compose.yaml's verifier service, run by hand: podman cannot run the file itself here (no
podman-compose, and `podman play kube` reads Kubernetes YAML and would have to pull postgres:15,
which no registry here serves). So the test reads the file, checks how its services are wired,
and runs the image with the verifier service's own command and environment, the machine's
PostgreSQL standing in for the `db` service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import ADMIN_TOKEN, TEST_DATABASE_URL, fresh_database_url
from tests.container.build_image import ROOT, podman
from tests.container.conftest import Container, identify_new_user
from tests.process.conftest import free_port

pytestmark = pytest.mark.timeout(1200)  # may build the image (see test_image.py)


def compose_services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_compose_file_builds_the_verifier_from_this_dockerfile_after_a_healthy_postgresql(
        ) -> None:
    services = compose_services()
    db, verifier = services["db"], services["verifier"]
    assert verifier["build"] == "."
    assert verifier["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert db["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert verifier["ports"] == ["8765:8765"]
    url = verifier["environment"]["FERNDESK_VERIFIER_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    user, password = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_PASSWORD"]
    assert f"//{user}:{password}@" in url
    assert verifier["environment"]["FERNDESK_VERIFIER_ADMIN_TOKEN"].startswith("${ADMIN_TOKEN:?")


@pytest.mark.skipif(not TEST_DATABASE_URL,
                    reason="compose.yaml's verifier runs on PostgreSQL: checked in the "
                           "PostgreSQL pass of `make test`")
def test_compose_verifier_service_serves_identify_on_postgresql_with_its_command(
        image: str, containers: Callable[..., Container], tmp_path: Path) -> None:
    verifier = compose_services()["verifier"]
    env = {key: str(value) for key, value in verifier["environment"].items()}
    port = free_port()
    env.update({
        "FERNDESK_VERIFIER_DATABASE_URL": fresh_database_url(tmp_path),
        "FERNDESK_VERIFIER_ADMIN_TOKEN": ADMIN_TOKEN,  # what ${ADMIN_TOKEN} gives compose
        # On the host's network (to reach its PostgreSQL), so on loopback and a free port.
        "FERNDESK_VERIFIER_HOST": "127.0.0.1",
        "FERNDESK_VERIFIER_PORT": str(port),
    })
    container = containers(image, *verifier["command"], env=env, host_port=port)
    container.wait_healthy()
    identify_new_user(container.base, "u-ada")
    # The HEALTHCHECK asks the port the server was told to use, not a fixed 8765.
    assert podman("healthcheck", "run", container.name, check=False).returncode == 0
