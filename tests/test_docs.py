"""The README documents what the code has: every setting, every route, the make commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app import create_app
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_SCRIPT = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_VARIABLE = re.compile(r"`(CONSENTBOT_[A-Z0-9_]+)`")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def section(title: str) -> str:
    """The text of the README's `## title` section, up to the next `## ` heading."""
    headings = list(_HEADING.finditer(README))
    for i, heading in enumerate(headings):
        if heading.group(1) == title:
            end = headings[i + 1].start() if i + 1 < len(headings) else len(README)
            return README[heading.end() : end]
    raise AssertionError(f"the README has no '## {title}' section")


def config_rows() -> list[list[str]]:
    """The variables named in the first cell of each row of the configuration table."""
    rows = []
    for line in section("Configuration").splitlines():
        if line.startswith("|"):
            first_cell = line.strip().strip("|").split("|")[0]
            names = _VARIABLE.findall(first_cell)
            if names:
                rows.append(names)
    return rows


DOCUMENTED = [name for row in config_rows() for name in row]
SETTINGS = sorted(Settings.model_fields)


def env_name(field: str) -> str:
    return "CONSENTBOT_" + field.upper()


@pytest.mark.parametrize("field", SETTINGS)
def test_setting_is_in_the_configuration_table(field: str) -> None:
    assert DOCUMENTED.count(env_name(field)) == 1


def test_configuration_table_names_only_settings() -> None:
    assert set(DOCUMENTED) - {env_name(f) for f in SETTINGS} == set()


def test_configuration_table_has_one_variable_per_row() -> None:
    assert config_rows(), "the configuration table has no rows"
    assert [row for row in config_rows() if len(row) != 1] == []


def test_every_route_is_documented(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        app_secret="x",
        verify_token="y",
        database_url="sqlite:///" + str(tmp_path / "d.db"),
    )
    app = create_app(settings)
    routes = {
        f"{route.method} {route.resource.canonical}"
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    assert routes, "the application registers no routes"
    assert sorted(r for r in routes if r not in README) == []


def test_quick_start_shows_make_run_and_make_test() -> None:
    commands = {
        line.split("#")[0].strip()
        for block in _FENCE.findall(section("Quick start"))
        for line in block.splitlines()
    }
    assert {"make run", "make test"} <= commands


def test_ci_runs_make_test() -> None:
    commands = [line.split("#")[0].strip() for line in CI_SCRIPT.splitlines()]
    assert "make test" in commands


def test_env_example_lists_every_setting_and_loads() -> None:
    path = ROOT / "deploy" / "env.example"
    names = [
        line.split("=", 1)[0]
        for line in path.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    expected = sorted("CONSENTBOT_" + name.upper() for name in Settings.model_fields)
    assert sorted(names) == expected
    values = {
        line.split("=", 1)[0].removeprefix("CONSENTBOT_").lower(): line.split("=", 1)[1]
        for line in path.read_text().splitlines()
        if line and not line.startswith("#") and line.split("=", 1)[1]
    }
    values.update(app_secret="x", verify_token="y")
    assert Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_env_example_as_an_env_file_leaves_empty_settings_unset(tmp_path: Path) -> None:
    text = (ROOT / "deploy" / "env.example").read_text()
    text = text.replace("CONSENTBOT_APP_SECRET=\n", "CONSENTBOT_APP_SECRET=x\n")
    text = text.replace("CONSENTBOT_VERIFY_TOKEN=\n", "CONSENTBOT_VERIFY_TOKEN=y\n")
    env_file = tmp_path / "env"
    env_file.write_text(text)
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert settings.buttons_file is None
    assert settings.public_url is None
    assert settings.access_token is None
