"""Settings are checked at start-up; the CLI; the generated OpenAPI document."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, SECRET_KEY
from service.config import SETTINGS, ConfigError, load_config, settings_table


def test_defaults_without_environment():
    config = load_config({})
    assert config["REDIS_URL"] is None and config["KEY_PREFIX"] == "xq"
    assert config["RATELIMIT_ENABLED"] is True and config["MAX_CONTENT_LENGTH"] == 65536


@pytest.mark.parametrize("env, name", [
    ({"XINQING_REDIS_URL": "http://x"}, "XINQING_REDIS_URL"),
    ({"XINQING_REDIS_URL": "redis://h:6379/0"}, "XINQING_SECRET_KEY"),
    ({"XINQING_SECRET_KEY": "short"}, "XINQING_SECRET_KEY"),
    ({"XINQING_RATELIMIT_ENABLED": "maybe"}, "XINQING_RATELIMIT_ENABLED"),
    ({"XINQING_KEY_PREFIX": "has space"}, "XINQING_KEY_PREFIX"),
    ({"XINQING_REDIS_SOCKET_TIMEOUT": "-1"}, "XINQING_REDIS_SOCKET_TIMEOUT"),
    ({"XINQING_READER_RATE": "lots"}, "XINQING_READER_RATE"),
    ({"XINQING_MAX_BODY_BYTES": "0"}, "XINQING_MAX_BODY_BYTES"),
])
def test_bad_settings_fail_fast_naming_the_variable(env, name):
    with pytest.raises(ConfigError, match=name):
        load_config(env)


def test_ratelimit_switch_and_documented_settings():
    assert load_config({"XINQING_RATELIMIT_ENABLED": "false"})["RATELIMIT_ENABLED"] is False
    table = settings_table()
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in table
    assert table in readme, "README's settings table is stale: paste `xinqing settings`"


def test_cli_creates_sites(redis_server):
    if redis_server is None:
        pytest.fail("needs redis-server", pytrace=False)
    env = {**os.environ, "XINQING_REDIS_URL": redis_server.url, "XINQING_KEY_PREFIX": "clitest"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "service.cli", *args], env=env,
                                       capture_output=True, text=True, cwd=ROOT, timeout=30)
    first = run("sites", "create", "paper", "--json")
    assert first.returncode == 0, first.stderr
    assert '"editor_token": "xqe_' in first.stdout
    again = run("sites", "create", "paper")
    assert again.returncode == 1 and "exists" in again.stderr
    assert run("sites", "list").stdout.split() == ["paper"]
    assert run("sites", "create", "Not Valid").returncode == 2


def test_openapi_lists_every_route(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["info"]["title"] == "xinqing"
    paths = spec["paths"]
    for path, methods in {
        "/v1/admin/sites": {"post"},
        "/v1/sites/{site}/settings": {"get", "patch"},
        "/v1/sites/{site}/readers": {"post"},
        "/v1/sites/{site}/articles/{article}/reactions": {"get"},
        "/v1/sites/{site}/articles/{article}/reactions/mine": {"put", "delete"},
        "/v1/sites/{site}/articles/{article}/shares": {"get", "post"},
        "/v1/sites/{site}/articles/{article}/views": {"post"},
        "/v1/sites/{site}/articles/{article}": {"get"},
        "/v1/sites/{site}/articles": {"get"},
        "/healthz": {"get"},
        "/readyz": {"get"},
    }.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
