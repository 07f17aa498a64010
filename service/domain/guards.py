"""Comment guards: small rules, each `rule(draft) -> (ok, reason)`, configured per site.

The Isso shape: every rule is a plain function that is easy to test alone; `screen` runs
them in order and turns a failed rule into the site's configured action for it — `reject`
(the POST fails with 422 and the rule's code) or `hold` (the comment is created `pending`,
with the reason shown to editors in the moderation queue).

Rules that need shared state are enforced elsewhere, atomically, and listed here for
completeness: bans (checked against the site's ban list before the write), duplicate posts
(inside the create script: same reader, parent and body within `comment_duplicate_window`
seconds is refused with 409) and rate limits per reader and per client address
(Flask-Limiter, service/api/limits.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

import ahocorasick

from ..text import drop_default_ignorable
from .sites import Site


@dataclass(frozen=True)
class Draft:
    """What a reader asked to post, after the schema checked its shape."""

    site: Site
    body: str
    author_name: str


Rule = Callable[[Draft], tuple[bool, str | None]]

# Characters ignored when matching sensitive words, so "坏 词", "坏*词" or "Ｂａｄ" still match.
_IGNORED = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize_for_matching(text: str) -> str:
    """Return the form sensitive words and duplicate posts are compared in (both sides alike).

    1. White space, punctuation and symbols go (by each character's own category).
    2. Unicode's confusables map (UTS #39 prototypes, from confusables.txt): letters of
       other scripts that look like Latin ones (Cyrillic а, Greek ο…) become them. It runs
       before NFKC and case folding, which would turn some look-alikes into other letters
       (Greek ϲ becomes ς, then σ, which looks like o), and again after step 5.
    3. NFKC: full-width and mathematical letters become plain ones (what it turns into
       punctuation, e.g. ⑴ → (1), goes too).
    4. Default-ignorable code points go (Hangul fillers, zero-width characters, variation
       selectors, tags): invisible, so they may not split a word.
    5. OpenCC's traditional→simplified conversion (t2s): 壞詞 is 坏词.
    6. Case folding.
    """
    table = _confusables()
    text = _IGNORED.sub("", text).translate(table)
    if not unicodedata.is_normalized("NFKC", text):  # (cheap check; NFKC itself is not)
        text = _IGNORED.sub("", unicodedata.normalize("NFKC", text))
    text = _traditional_to_simplified(drop_default_ignorable(text))
    return text.translate(table).casefold()


def _traditional_to_simplified(text: str) -> str:
    return _opencc().convert(text) if text else text


@functools.cache
def _opencc():
    import opencc

    return opencc.OpenCC("t2s.json")


@functools.cache
def _confusables() -> dict[int, str]:
    """Single characters → their single-character prototype, from confusables.txt.

    confusable_homoglyphs ships the file's pairs both ways: a character that is a source
    lists its one prototype, and the prototype lists its sources back. A prototype with
    only one source makes the pair symmetric in that data; both then map to the lower code
    point, which is just as consistent for matching. ASCII characters are left alone.
    Multi-character prototypes (m → rn) are not used."""
    from confusable_homoglyphs.confusables import confusables_data

    def clean(value: str) -> str:
        return value.replace("\u200e", "")  # the data wraps right-to-left characters in LRM

    pairs = {clean(char): [clean(entry["c"]) for entry in entries]
             for char, entries in confusables_data.items()}
    table: dict[int, str] = {}
    for char, targets in pairs.items():
        if len(char) != 1 or len(targets) != 1 or len(targets[0]) != 1 or targets[0] == char:
            continue
        if unicodedata.normalize("NFKC", char).isascii():
            # I→l, 0→O, 1→l, fullwidth Ｉ→l: ASCII (and what NFKC makes ASCII) is matched
            # as written, then case-folded
            continue
        target = targets[0]
        back = pairs.get(target, ())
        if char not in back:
            continue
        if len(back) == 1:  # symmetric: a prototype with a single source
            table[ord(max(char, target))] = min(char, target)
        else:
            table[ord(char)] = target
    return table


@functools.lru_cache(maxsize=256)
def word_automaton(words: tuple[str, ...]):
    """Return an Aho-Corasick automaton over the normalised words (cached per word list)."""
    automaton = ahocorasick.Automaton()
    for word in words:
        key = normalize_for_matching(word)
        if key:
            automaton.add_word(key, word)
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


def banned_words_found(words: list[str], text: str) -> list[str]:
    """Return the banned words `text` contains (as the site lists them), each once."""
    automaton = word_automaton(tuple(words))
    if automaton is None:
        return []
    found: list[str] = []
    for _, word in automaton.iter(normalize_for_matching(text)):
        if word not in found:
            found.append(word)
    return found


_LINK = re.compile(
    r"(?i)(?:\bhttps?://|\bwww\.)[^\s]+"
    r"|\b[a-z0-9][a-z0-9-]{0,62}\.(?:com|cn|net|org|info|xyz|top|cc|io|me|co|tv|vip|club|site|"
    r"online|shop|app|link|ly|gl|biz|tk)\b(?:/[^\s]*)?")


def count_links(text: str) -> int:
    """Count the links in `text`."""
    return len(_LINK.findall(unicodedata.normalize("NFKC", text)))


# -- the rules -----------------------------------------------------------------------------

def length_rule(draft: Draft) -> tuple[bool, str | None]:
    """Refuse a comment longer than the site's comment_max_length."""
    limit = int(draft.site.settings["comment_max_length"])
    if len(draft.body) > limit:
        return False, (f"the comment is {len(draft.body)} characters long; this site takes at "
                       f"most {limit}")
    return True, None


def banned_words_rule(draft: Draft) -> tuple[bool, str | None]:
    """Flag a comment (body or author name) with a banned word."""
    found = banned_words_found(draft.site.settings["banned_words"],
                               draft.body + "\n" + draft.author_name)
    if found:
        return False, "banned words: " + ", ".join(found[:10])
    return True, None


def links_rule(draft: Draft) -> tuple[bool, str | None]:
    """Flag a comment with more links than the site's comment_max_links."""
    limit = int(draft.site.settings["comment_max_links"])
    links = count_links(draft.body) + count_links(draft.author_name)
    if links > limit:
        return False, f"{links} links (at most {limit})"
    return True, None


@dataclass(frozen=True)
class Guard:
    name: str                     # also the error code when the guard rejects
    rule: Rule
    action: Callable[[Site], str]  # "reject" or "hold", read from the site's settings


GUARDS: tuple[Guard, ...] = (
    Guard("comment_too_long", length_rule, lambda site: "reject"),
    Guard("banned_words", banned_words_rule,
          lambda site: site.settings["banned_words_action"]),
    Guard("too_many_links", links_rule, lambda site: site.settings["comment_links_action"]),
)


@dataclass(frozen=True)
class Verdict:
    rejected_by: str | None = None    # the guard name when a reject rule failed
    reason: str | None = None
    held: tuple[str, ...] = ()        # reasons of failed hold rules

    @property
    def ok(self) -> bool:
        """Tell whether no rule rejected the comment."""
        return self.rejected_by is None


def screen(draft: Draft, guards: tuple[Guard, ...] = GUARDS) -> Verdict:
    """Run every guard; the first failing `reject` guard wins, `hold` reasons accumulate."""
    held: list[str] = []
    for guard in guards:
        ok, reason = guard.rule(draft)
        if ok:
            continue
        if guard.action(draft.site) == "reject":
            return Verdict(guard.name, reason, tuple(held))
        held.append(reason or guard.name)
    return Verdict(held=tuple(held))
