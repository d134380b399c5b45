"""An injected fault answers with a JSON error body, so its status must be one that carries a
body and means an error: 400-599. A 1xx, 204 or 304 with a body breaks HTTP framing; a 2xx or
3xx would tell the SDK the call worked (or redirected) while the body says it failed."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN, HelpCenter, error_of


def _fault(help_center: HelpCenter, status: int):
    return help_center.client.post(f"/api/emulator/help-centers/{help_center.id}/faults",
                                   headers=ADMIN, json={"times": 1, "status": status})


@pytest.mark.parametrize("status", [100, 101, 199, 200, 204, 302, 304, 399, 600])
def test_a_status_without_an_error_body_is_refused(help_center: HelpCenter,
                                                   status: int) -> None:
    answer = _fault(help_center, status)
    assert answer.status_code == 422, answer.text
    assert "400 to 599" in error_of(answer)["reason"]
    assert help_center.identify().status_code == 200


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 415, 418, 422, 429, 500, 503,
                                    599])
def test_every_error_status_the_contract_names_can_be_injected(help_center: HelpCenter,
                                                               status: int) -> None:
    assert _fault(help_center, status).status_code == 201
    answer = help_center.identify()
    assert answer.status_code == status
    assert error_of(answer)["code"] == "injected_fault"


def test_an_imported_fault_with_status_204_is_refused(client) -> None:
    state = {"help_centers": [{"id": "acme", "domain": "help.acme.com",
                               "faults": [{"times": 1, "status": 204}]}]}
    answer = client.put("/api/emulator/state", headers=ADMIN, json=state)
    assert answer.status_code == 422
    assert error_of(answer)["reason"].startswith("state: help_centers[0].faults[0].status: ")
