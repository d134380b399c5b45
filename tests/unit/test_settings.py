"""``Settings.from_env``: what a ``--workers`` worker builds from ``FERNDESK_VERIFIER_*``, each
variable through the same check as its flag, every other setting at its one default."""

from __future__ import annotations

import pytest

from verifier.settings import SettingError, Settings


def test_from_env_reads_each_variable_and_defaults_the_rest() -> None:
    settings = Settings.from_env({"FERNDESK_VERIFIER_PORT": "0",
                                  "FERNDESK_VERIFIER_MESSAGES_KEPT": "5",
                                  "FERNDESK_VERIFIER_DATABASE_URL": "postgres://u@h/db"})
    assert settings.port == 0 and settings.messages_kept == 5
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.sessions_kept == Settings().sessions_kept
    assert settings.body_timeout == Settings().body_timeout


@pytest.mark.parametrize(("variable", "value"), [
    ("FERNDESK_VERIFIER_PORT", "99999"),
    ("FERNDESK_VERIFIER_WORKERS", "0"),
    ("FERNDESK_VERIFIER_BODY_TIMEOUT", "0"),
])
def test_from_env_refuses_a_bad_value_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingError, match=variable):
        Settings.from_env({variable: value})


def test_from_env_with_nothing_set_is_the_defaults() -> None:
    assert Settings.from_env({}) == Settings()
