"""Sensitive words that survive disguise; duplicates by the same normalization; network
bans.

Matching normalizes both the site's words and the text: NFKC, case folding, default-ignorable
code points dropped (Hangul fillers, zero-width characters), OpenCC's traditional→simplified
conversion, punctuation and spaces dropped, then Unicode's confusables (UTS #39) map, so
look-alike letters from other scripts become the letters they imitate.
"""

from __future__ import annotations

import pytest

from service.domain.guards import normalize_for_matching

WORDS = ["坏词", "广告", "casino"]


@pytest.fixture
def site(api):
    editor = api.editor(api.create_site("gmw"))
    r = api.client.patch("/v1/sites/gmw/settings", headers=editor,
                         json={"banned_words": WORDS, "banned_words_action": "reject"})
    assert r.status_code == 200
    return api, editor


def _post(api, reader, body, article="a1", remote="198.51.100.7"):
    return api.client.post(f"/v1/sites/gmw/articles/{article}/comments", json={"body": body},
                           headers=reader, environ_base={"REMOTE_ADDR": remote})


DISGUISES = [
    "这是坏\u3164词",            # Hangul filler (a letter by category, invisible)
    "这是坏\u115f词",            # Hangul choseong filler
    "这是坏\uffa0词",            # halfwidth Hangul filler
    "这是壞詞",                  # traditional characters
    "免费廣告",                  # traditional
    "廣\u3164告",                # both
    "去саsinо玩",                # Cyrillic с, а, о
    "去cαsino玩",                # Greek alpha
    "去ϲаѕіnо玩",                # Greek lunate sigma, Cyrillic а, ѕ, і, о
    "去ＣＡＳＩＮＯ玩",            # fullwidth (NFKC, worked before too)
    "去c\u200ba\u200bsino玩",    # zero-width spaces
    "去CAS\u034fINO玩",          # combining grapheme joiner
]


@pytest.mark.parametrize("body", DISGUISES)
def test_disguised_words_are_caught(site, body):
    api, _ = site
    r = _post(api, api.reader("gmw"), body)
    assert r.status_code == 422, (body, r.get_json())
    assert r.get_json()["error"]["details"]["rule"] == "banned_words"


def test_innocent_text_passes(site):
    api, _ = site
    for body in ("今天天气很好", "cashier 卡西诺", "坏了的词典", "广场舞", "頭髮很好看"):
        r = _post(api, api.reader("gmw"), body)
        assert r.status_code == 201, (body, r.get_json())


def test_words_written_in_traditional_or_look_alikes_match_too(api):
    editor = api.editor(api.create_site("gmw"))
    api.client.patch("/v1/sites/gmw/settings", headers=editor,
                     json={"banned_words": ["壞詞", "ѕраm"], "banned_words_action": "reject"})
    for body in ("坏词", "SPAM!"):
        assert _post(api, api.reader("gmw"), body).status_code == 422, body


def test_normalization_is_stable():
    assert normalize_for_matching("壞\u3164詞") == normalize_for_matching("坏词")
    assert normalize_for_matching("саsinо") == normalize_for_matching("CASINO")
    assert normalize_for_matching("a b-c") == normalize_for_matching("abc")
    once = normalize_for_matching("去ϲаѕіnо玩 壞詞")
    assert normalize_for_matching(once) == once


@pytest.mark.parametrize("first,second", [
    ("说得好", "說得好"),
    ("说得好", "说\u200b得\u3164好"),
    ("说得好！", "说得好!"),
    ("Nice one", "nice  ONE"),
    ("good", "gооd"),  # Cyrillic о
])
def test_duplicates_are_found_through_the_same_normalization(site, first, second):
    api, _ = site
    reader = api.reader("gmw")
    assert _post(api, reader, first).status_code == 201
    r = _post(api, reader, second)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "duplicate_comment", second


def test_a_ban_can_cover_the_authors_network(site):
    api, editor = site
    troll = api.reader("gmw")
    cid = _post(api, troll, "你好", remote="203.0.113.9").get_json()["id"]
    r = api.client.post(f"/v1/sites/gmw/comments/{cid}/ban", headers=editor,
                        json={"reason": "spam", "network": True})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["network"] is True
    # a fresh reader token from the same address is refused; another address is not
    fresh = api.reader("gmw")
    r = _post(api, fresh, "换个身份", remote="203.0.113.9")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "reader_banned"
    assert _post(api, fresh, "换个地方", remote="203.0.113.10").status_code == 201
    bans = api.client.get("/v1/sites/gmw/bans", headers=editor).get_json()["items"]
    assert len(bans) == 1 and bans[0]["network"] is True
    # lifting the author's ban lifts the network's too
    assert api.client.delete(f"/v1/sites/gmw/bans/{bans[0]['ref']}",
                             headers=editor).status_code == 204
    assert _post(api, fresh, "回来了", remote="203.0.113.9").status_code == 201


def test_an_ipv6_network_ban_covers_the_64(site):
    api, editor = site
    troll = api.reader("gmw")
    cid = _post(api, troll, "你好", remote="2001:db8:1:2::5").get_json()["id"]
    assert api.client.post(f"/v1/sites/gmw/comments/{cid}/ban", headers=editor,
                           json={"network": True}).status_code == 200
    other = api.reader("gmw")
    assert _post(api, other, "同一个64", remote="2001:db8:1:2:ffff::1").status_code == 403
    assert _post(api, other, "另一个64", remote="2001:db8:1:3::5").status_code == 201


def test_a_plain_ban_leaves_the_network_alone(site):
    api, editor = site
    troll = api.reader("gmw")
    cid = _post(api, troll, "你好").get_json()["id"]
    r = api.client.post(f"/v1/sites/gmw/comments/{cid}/ban", headers=editor, json={})
    assert r.status_code == 200 and r.get_json()["network"] is False
    assert _post(api, troll, "又来").status_code == 403
    assert _post(api, api.reader("gmw"), "邻居").status_code == 201
