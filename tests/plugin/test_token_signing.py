"""``HelpCenter.token`` signs as identify verifies: with the help center's secret as its UTF-8
bytes, whatever the secret looks like. An imported secret may look like a PEM or SSH key;
identify accepts tokens signed with it, so the plugin must be able to sign them (PyJWT's
``jwt.encode`` refuses such a key)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.process.conftest import Server
from verifier.pytest_plugin import HelpCenter, Verifier

# Both at least 32 bytes, as an import requires; each looks like a key to PyJWT.
SECRETS = {"pem": "-----BEGIN PUBLIC KEY-----\nnot really a key, an HMAC secret\n",
           "ssh": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC an HMAC secret"}


@pytest.fixture
def verifier(start_server: Callable[..., Server], tmp_path: Path) -> Verifier:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"help_centers": [
        {"id": name, "name": name, "domain": "help.example.test", "widget_id": f"wid-{name}",
         "jwt_secret": secret} for name, secret in SECRETS.items()]}))
    return Verifier(start_server("--seed", str(seed)).base, ADMIN_TOKEN)


def test_a_help_center_token_identifies_with_a_secret_that_looks_like_a_key(
        verifier: Verifier) -> None:
    for name, secret in SECRETS.items():
        center = HelpCenter(verifier, name, name, "help.example.test", f"wid-{name}", secret)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            answer = center.identify(sub=f"user-{name}")
        assert answer.status == 200, (name, answer.json)
        verifier.assert_identified(name, f"user-{name}")
