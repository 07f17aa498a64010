"""The operations settings: declared with a doc string, parsed, failing fast."""

from __future__ import annotations

import pytest

from service.config import SETTINGS, ConfigError, load_config, setting


def test_new_settings_are_documented_and_parsed():
    envs = {s.env for s in SETTINGS}
    for env in ("XINQING_PROXY_HOPS", "XINQING_METRICS_TOKEN", "XINQING_LOG_FORMAT",
                "XINQING_ACCESS_LOG", "XINQING_EDITOR_RATE", "XINQING_BIND", "XINQING_WORKERS",
                "XINQING_WORKER_CLASS", "XINQING_THREADS", "XINQING_KEEPALIVE",
                "XINQING_METRICS_DIR"):
        assert env in envs
    assert all(s.doc for s in SETTINGS)
    config = load_config({"XINQING_PROXY_HOPS": "1", "XINQING_LOG_FORMAT": "text"})
    assert config["PROXY_HOPS"] == 1 and config["LOG_FORMAT"] == "text"
    assert setting("XINQING_WORKERS", {}) is None
    assert setting("XINQING_WORKER_CLASS", {"XINQING_WORKER_CLASS": "sync"}) == "sync"
    with pytest.raises(ConfigError, match="XINQING_LOG_FORMAT"):
        load_config({"XINQING_LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="XINQING_WORKER_CLASS"):
        setting("XINQING_WORKER_CLASS", {"XINQING_WORKER_CLASS": "eventlet"})
