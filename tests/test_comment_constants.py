"""One home for the comment statuses, votes and featured moves: the domain's enums.

The Lua scripts name them through generated constants tables (service.store.lua_constants),
the schemas validate with them; these tests fail as soon as a copy appears anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from marshmallow import validate

from schemas import comments as comment_schemas
from schemas import portability as portability_schemas
from service.domain.comment_model import QUEUE_STATUSES, Action, Featured, Sort, Status, Vote
from service.store import lua_constants
from service.store.comments import CONSTANTS, SCRIPTS, comment_script

LUA = Path(__file__).resolve().parent.parent / "service" / "store" / "lua"
COMMENT_SCRIPTS = (*SCRIPTS, "reader_erase", "import_article")


def _quoted(values) -> re.Pattern:
    return re.compile(r"""['"](%s)['"]""" % "|".join(re.escape(v) for v in values))


@pytest.mark.parametrize("path", sorted(LUA.glob("*.lua")), ids=lambda p: p.name)
def test_no_lua_file_spells_a_status_out(path):
    """A status is STATUS.PUBLISHED in Lua, never 'published' (code, not comments)."""
    code = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines())
    assert not _quoted([s.value for s in Status]).search(code)
    assert not _quoted([f.value for f in Featured]).search(code)
    if path.stem in COMMENT_SCRIPTS:  # 'down' is also the takedown field of the meta hash
        assert not re.search(r"==\s*['\"](up|down)['\"]", code)


@pytest.mark.parametrize("name", COMMENT_SCRIPTS)
def test_every_constant_a_comment_script_names_exists(name):
    source = comment_script(name)
    tables = {"STATUS": Status, "VOTE": Vote, "FEATURED": Featured}
    for table, member in re.findall(r"\b(STATUS|VOTE|FEATURED)\.([A-Z_]+)", source):
        assert member in tables[table].__members__, f"{name}: {table}.{member}"
    for constants in CONSTANTS:
        assert source.count(constants) == 1


def test_the_constants_tables_are_the_enums():
    assert lua_constants("STATUS", Status) == (
        "local STATUS = {PUBLISHED = 'published', PENDING = 'pending', "
        "REJECTED = 'rejected', SPAM = 'spam', DELETED = 'deleted'}\n")
    with pytest.raises(ValueError):
        lua_constants("BAD", {"X": "it's"})
    with pytest.raises(ValueError):
        lua_constants("lower", {"x": "y"})


def _choices(schema, name) -> list[str]:
    field = schema._declared_fields[name]
    return next(v.choices for v in field.validators if isinstance(v, validate.OneOf))


def test_schemas_validate_with_the_enums():
    assert _choices(comment_schemas.CommentListQueryArgsSchema, "sort") == [s.value for s in Sort]
    assert _choices(comment_schemas.ModerationQueryArgsSchema, "status") == [
        s.value for s in QUEUE_STATUSES]
    assert _choices(comment_schemas.VoteSchema, "vote") == [v.value for v in Vote]
    assert _choices(comment_schemas.ModerateSchema, "action") == [a.value for a in Action]
    assert list(_choices(portability_schemas.CommentRecord, "status")) == [
        s.value for s in Status]
    assert list(_choices(portability_schemas.CommentVoteRecord, "vote")) == [
        v.value for v in Vote]
    assert list(_choices(portability_schemas.QueueRecord, "status")) == [
        s.value for s in QUEUE_STATUSES]
