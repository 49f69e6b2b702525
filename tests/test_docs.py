"""The README documents every setting, and the settings behave as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    assert f"`FOILTRACK_{setting.name}`" in README, f"document FOILTRACK_{setting.name} in the README"


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()[1:]]
    assert commands == ["scripts/run", "scripts/test"]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "scripts/test" in ci


@pytest.mark.parametrize(
    ("overrides", "environ", "name", "expected"),
    [
        ({}, {}, "PORT", 5000),
        ({}, {"FOILTRACK_PORT": "8080"}, "PORT", 8080),
        ({"PORT": 9000}, {"FOILTRACK_PORT": "8080"}, "PORT", 9000),
        ({}, {"FOILTRACK_TASKS_EAGER": "yes"}, "TASKS_EAGER", True),
        ({}, {"FOILTRACK_SMTP_STARTTLS": "0"}, "SMTP_STARTTLS", False),
        ({}, {"FOILTRACK_MAIL_DOMAIN": "foil.example.net"}, "MAIL_DOMAIN", "foil.example.net"),
    ],
)
def test_settings_precedence(overrides, environ, name, expected, tmp_path):
    values = config.load({"DATA_DIR": str(tmp_path), **overrides}, environ)
    assert values[name] == expected


def test_embedded_mode_keeps_everything_in_the_data_folder(tmp_path):
    values = config.load({"DATA_DIR": str(tmp_path)}, {})
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'foiltrack.sqlite3'}"
    assert values["BLOB_DIR"] == str(tmp_path / "blobs")
    assert values["INDEX_DIR"] == str(tmp_path / "index")
    assert values["BROKER_URL"] == "filesystem://"


@pytest.mark.parametrize(("name", "value"), [("PORT", "eighty"), ("IMAP_SSL", "maybe"),
                                           ("SEARCH_BUDGET_SECONDS", "soon"), ("SEARCH_BUDGET_SECONDS", "-1")])
def test_bad_values_are_refused_with_the_variable_named(name, value, tmp_path):
    with pytest.raises(config.ConfigError, match=f"FOILTRACK_{name}"):
        config.load({"DATA_DIR": str(tmp_path)}, {f"FOILTRACK_{name}": value})


def test_the_secret_key_is_made_once_and_kept_private(tmp_path):
    values = config.load({"DATA_DIR": str(tmp_path)}, {})
    key = config.secret_key(values)
    assert key == config.secret_key(values)
    assert len(key) >= 32
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
