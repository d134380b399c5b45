"""The JWT secret's lifecycle: one per help center, shown once, delete then generate."""

from __future__ import annotations

import base64

from tests.conftest import ADMIN, HelpCenter, error_of


def test_secret_is_shown_once_with_256_bits_and_a_fingerprint(client) -> None:
    hc = HelpCenter(client, with_secret=False)
    made = client.post(f"/api/help-centers/{hc.id}/jwt-secret", headers=ADMIN)
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {"secret", "created_at", "fingerprint"}
    assert len(base64.urlsafe_b64decode(body["secret"] + "==")) >= 32
    assert made.headers["cache-control"] == "no-store"
    info = client.get(f"/api/help-centers/{hc.id}/jwt-secret", headers=ADMIN)
    assert info.status_code == 200
    assert info.json() == {"created_at": body["created_at"], "fingerprint": body["fingerprint"]}
    everything = (client.get("/api/help-centers", headers=ADMIN).text
                  + client.get(f"/api/help-centers/{hc.id}", headers=ADMIN).text + info.text)
    assert body["secret"] not in everything
    assert client.get(f"/api/help-centers/{hc.id}", headers=ADMIN).json()["has_jwt_secret"]


def test_two_help_centers_never_get_the_same_secret(client) -> None:
    assert HelpCenter(client).secret != HelpCenter(client, domain="help.other.com").secret


def test_generating_again_is_refused_and_keeps_the_first(help_center: HelpCenter) -> None:
    client = help_center.client
    before = help_center.admin_get("jwt-secret")
    again = client.post(f"/api/help-centers/{help_center.id}/jwt-secret", headers=ADMIN)
    assert error_of(again)["code"] == "secret_exists"
    assert help_center.admin_get("jwt-secret") == before
    assert help_center.identify().status_code == 200


def test_deleting_the_secret_invalidates_every_token_signed_with_it(
        help_center: HelpCenter) -> None:
    client = help_center.client
    old_token = help_center.token()
    assert help_center.identify(token=old_token).status_code == 200
    assert client.delete(f"/api/help-centers/{help_center.id}/jwt-secret",
                         headers=ADMIN).status_code == 204
    without = help_center.identify(token=old_token)
    assert error_of(without)["code"] == "invalid_jwt"
    assert "no JWT secret" in error_of(without)["reason"]
    assert client.delete(f"/api/help-centers/{help_center.id}/jwt-secret",
                         headers=ADMIN).status_code == 404
    fresh = client.post(f"/api/help-centers/{help_center.id}/jwt-secret", headers=ADMIN)
    assert fresh.status_code == 201
    assert error_of(help_center.identify(token=old_token))["code"] == "invalid_jwt"
    assert help_center.identify(token=help_center.token(secret=fresh.json()["secret"])
                                ).status_code == 200
