"""The rankings' rule table (service/domain/ranking_rules.py) is the one copy of the rules:
the Lua runs what it says, the schemas accept what it lists, the store names its keys from
it, and every copy that cannot import it (the widget, templates, docs, the test model) is
checked against it here, so a change made in one place only fails a test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from schemas.rankings import MoodRankingsQueryArgsSchema, RankingQueryArgsSchema, StatsQueryArgsSchema
from service.domain import ranking_rules as rules
from service.store import Store, load_script
from service.store.luagen import lua_prelude, lua_value
from service.store.rankings import compose

ROOT = Path(__file__).resolve().parent.parent


def test_the_lua_runs_the_tables_constants(redis_client):
    script = compose(load_script, "rank_read") + "\n"  # every entry script has this prelude
    prelude_end = script.index("local RK_CHUNK")
    names = list(rules.lua_constants())
    probe = script[:prelude_end] + "return cjson.encode({" + ", ".join(
        f"{n} = {n}" for n in names) + "})"
    got = json.loads(redis_client.eval(probe, 0))
    want = json.loads(json.dumps(rules.lua_constants()))
    assert got == want


def test_rank_lib_defines_no_constant_of_its_own():
    lib = load_script("rank_lib") + load_script("rank_write")
    for name in rules.lua_constants():
        assert not re.search(rf"^\s*local\s+{name}\s*=", lib, re.M), name
    # and no number or name of the table written out in Lua
    for lua in (ROOT / "service/store/lua").glob("*.lua"):
        text = re.sub(r"--.*", "", lua.read_text("utf-8"))
        assert not re.search(r"\b3600\b|'1h'|'24h'|'30d'|'hot'|'reactions'|'m:'", text), lua.name


def test_schemas_validate_windows_with_the_table():
    for schema in (RankingQueryArgsSchema(), MoodRankingsQueryArgsSchema(), StatsQueryArgsSchema()):
        field = schema.fields["window"]
        (one_of,) = [v for v in field.validators if hasattr(v, "choices")]
        assert tuple(one_of.choices) == rules.WINDOW_NAMES
    errors = RankingQueryArgsSchema().validate({"by": "happy", "window": "2h"})
    assert "window" in errors
    assert RankingQueryArgsSchema().validate({"by": "happy", "window": rules.WINDOW_NAMES[0]}) == {}


def test_the_store_lays_out_a_scope_by_the_table(redis_client):
    keys = Store(redis_client).rankings.scope_keys("gmw", None, ["happy"])
    windows = [k for k in keys if ":w:" in k]
    metrics = [rules.mood_code("happy"), *rules.METRICS]
    assert windows == [f"xq:rk:{{gmw/}}:w:{m}:{w}" for m in metrics for w in rules.WINDOW_NAMES]


def test_copies_outside_python_name_the_same_windows():
    """The widget, the ranking page, the dashboard and the docs cannot import the table."""
    names = list(rules.WINDOW_NAMES)
    widget = (ROOT / "service/web/src/widget/core.js").read_text("utf-8")
    assert json.loads(re.search(r"const WINDOWS = (\[.*?\]);", widget).group(1)) == names
    from service.web.pages import TEXT

    for lang in TEXT.values():
        assert list(lang["window"]) == names
    dashboard = (ROOT / "service/web/templates/dashboard/index.html").read_text("utf-8")
    options = re.search(r"{% for value, label in \[(.*?)\] -%}", dashboard).group(1)
    assert re.findall(r'\("([^"]+)", "', options) == names
    doc = (ROOT / "docs/rankings.md").read_text("utf-8")
    for window in rules.WINDOWS:
        if window.hours is not None:
            assert f"`{window.name}`" in doc
    points = ", ".join(f"{a.kind} {a.hot_points}" for a in rules.ACTIVITIES)
    assert f"points **{points}**" in doc


def test_the_model_tests_independent_copy_agrees():
    """tests/test_rankings_model.py states the definition again on purpose (a model that
    imported the table would agree with any mistake in it); it must still say the same."""
    import test_rankings_model as model

    assert model.WINDOWS == {w.name: w.hours for w in rules.WINDOWS}
    assert model.POINTS == {a.kind: a.hot_points for a in rules.ACTIVITIES}
    assert set(model.METRICS) - set(model.MOODS) == set(rules.METRICS)


@pytest.mark.parametrize("value,lua", [
    (None, "nil"), (True, "true"), (3, "3"), (1e-9, "1e-09"), ("a'b", "'a\\39b'"),
    ([1, "x"], "{1, 'x'}"), ({"s": 5}, "{['s'] = 5}"),
])
def test_lua_literals(value, lua):
    assert lua_value(value) == lua


def test_a_prelude_refuses_what_lua_cannot_name():
    with pytest.raises(ValueError):
        lua_prelude({"not a name": 1}, "here")
    with pytest.raises(ValueError):
        lua_value(float("nan"))
