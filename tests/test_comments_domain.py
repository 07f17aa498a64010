"""Pure comment rules: ids, cursors and each guard. (The state machine and the hot score
run in the comment scripts: tests/test_comments_store.py tests them there.)"""

from __future__ import annotations

import pytest

from service.domain import guards
from service.domain.comment_model import format_id, parse_id
from service.domain.cursors import CursorCodec
from service.domain.sites import DEFAULTS, Site
from service.errors import CommentNotFound, InvalidCursor


def test_ids_round_trip_and_refuse_junk():
    assert parse_id(format_id("content_38012345", 17)) == ("content_38012345", 17)
    assert parse_id("a.b:c-d~1") == ("a.b:c-d", 1)
    for junk in ("", "a1", "a1~", "a1~0", "a1~01", "~1", "a/b~1", "a1~99999999", "a1~1~2",
                 "x" * 129 + "~1"):
        with pytest.raises(CommentNotFound):
            parse_id(junk)


def test_cursor_is_signed_and_bound_to_its_listing():
    codec = CursorCodec("secret-0123456789abcdef")
    c = codec.encode("list|gmw|a1|new", "12", "12")
    assert codec.decode("list|gmw|a1|new", c) == ("12", "12")
    assert codec.decode("list|gmw|a1|new", None) is None
    for bad in ("garbage", c + "x", c.replace(".", ""), "!!!.abc", c.split(".")[0] + ".AAAA"):
        with pytest.raises(InvalidCursor):
            codec.decode("list|gmw|a1|new", bad)
    with pytest.raises(InvalidCursor):  # another listing's cursor
        codec.decode("list|gmw|a1|old", c)
    with pytest.raises(InvalidCursor):  # another secret
        CursorCodec("other-secret-0123456789").decode("list|gmw|a1|new", c)
    nan = codec.encode("s", "nan", "1")
    with pytest.raises(InvalidCursor):
        codec.decode("s", nan)


# -- guards ---------------------------------------------------------------------------------

def site(**settings) -> Site:
    return Site("gmw", {**DEFAULTS, **settings})


def draft(body, name="网友", **settings):
    return guards.Draft(site(**settings), body, name)


def test_length_rule():
    assert guards.length_rule(draft("x" * 2000)) == (True, None)
    ok, reason = guards.length_rule(draft("x" * 2001))
    assert not ok and "2000" in reason
    assert guards.length_rule(draft("字" * 10, comment_max_length=10))[0]
    assert not guards.length_rule(draft("字" * 11, comment_max_length=10))[0]


def test_banned_words_rule_normalizes():
    words = {"banned_words": ["坏词", "Spam", "fa lun"]}
    assert guards.banned_words_rule(draft("一切正常", **words)) == (True, None)
    for body in ("这是坏词", "这是坏 词", "这是坏*词", "buy SPAM now", "ｓｐａｍ", "falun", "FA-LUN"):
        ok, reason = guards.banned_words_rule(draft(body, **words))
        assert not ok, body
        assert reason.startswith("banned words:")
    # the author name is screened too
    assert not guards.banned_words_rule(draft("ok", name="坏词大王", **words))[0]
    assert guards.banned_words_rule(draft("坏词", banned_words=[]))[0]


def test_banned_words_reports_each_word_once():
    assert guards.banned_words_found(["ab", "bc"], "abc abc") == ["ab", "bc"]


def test_links_rule():
    assert guards.count_links("no links here 3.5 版本") == 0
    assert guards.count_links("see https://a.example/x and www.b.cn and c.com/d") == 3
    assert guards.links_rule(draft("http://a.io http://b.io"))[0]          # default 2
    ok, reason = guards.links_rule(draft("http://a.io http://b.io http://c.io"))
    assert not ok and "3 links" in reason
    assert not guards.links_rule(draft("http://a.io", comment_max_links=0))[0]


def test_screen_applies_each_guards_action():
    words = ["坏词"]
    v = guards.screen(draft("坏词", banned_words=words, banned_words_action="hold"))
    assert v.ok and v.held and "banned words" in v.held[0]
    v = guards.screen(draft("坏词", banned_words=words, banned_words_action="reject"))
    assert not v.ok and v.rejected_by == "banned_words"
    v = guards.screen(draft("http://a.io " * 3, comment_links_action="reject"))
    assert v.rejected_by == "too_many_links"
    v = guards.screen(draft("http://a.io " * 3))
    assert v.ok and len(v.held) == 1
    v = guards.screen(draft("x" * 2001, banned_words=words))
    assert v.rejected_by == "comment_too_long"
    assert guards.screen(draft("fine")) == guards.Verdict()
