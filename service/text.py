"""Unicode rules for text that reaches pages and logs: controls, bidi overrides, invisibles.

A leaf module (no Flask, no Redis), shared by the schemas (what input is accepted) and the
domain (what is served, what sensitive-word matching ignores):

- C0/C1 control characters (and DEL): never part of plain text; they rewrite terminals
  (ESC sequences), split log lines, and some renderers treat C1 NEL (U+0085) as a newline.
- Bidi formatting characters (LRE…RLO, LRI…PDI, and the marks LRM, RLM, ALM): invisible,
  and they can reorder what follows them on a page ("Trojan Source"); dropped.
- Default-ignorable code points (Unicode's Default_Ignorable_Code_Point, via the `regex`
  module's property tables): zero-width spaces and joiners, Hangul fillers, variation
  selectors, tag characters… — they render as nothing, so a text made only of them (and
  white space) is empty.
"""

from __future__ import annotations

import regex

# C0 except tab and newline, DEL, C1 (U+0080-U+009F).
_CONTROL = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# C0 including tab and newline, DEL, C1, and the Unicode line and paragraph separators.
_ANY_CONTROL = regex.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BIDI = regex.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{White_Space}]+")
_DEFAULT_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")
_LINE_SPACE = regex.compile(r"[\t\n\r\u2028\u2029]+")
# What an absolute http(s) URL may hold to be safe in any page context (an attribute, a
# srcset, CSS url()): no white space, quotes, angle brackets, backticks, backslashes,
# controls or bidi characters. Non-ASCII letters (a Chinese path) are fine.
_SAFE_URL = regex.compile(
    r"https?://[^\s\"'<>`\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+",
    regex.IGNORECASE)


def has_control(text: str, newlines: bool = True) -> bool:
    """True if `text` holds a C0/C1 control (tab and newline allowed when `newlines`)."""
    return bool((_CONTROL if newlines else _ANY_CONTROL).search(text))


def strip_bidi(text: str) -> str:
    """`text` without bidi formatting characters."""
    return _BIDI.sub("", text)


def is_blank(text: str) -> bool:
    """True if `text` is only white space and default-ignorable (invisible) characters."""
    return not _INVISIBLE.sub("", text)


def drop_default_ignorable(text: str) -> str:
    """Remove default-ignorable characters (invisible fillers)."""
    return _DEFAULT_IGNORABLE.sub("", text)


def one_line(text: str) -> str:
    """Return a single clean line: line breaks and tabs become spaces, other controls and bidi
    characters go, ends are trimmed (titles and other text sent by a CMS)."""
    return strip_bidi(_ANY_CONTROL.sub("", _LINE_SPACE.sub(" ", text))).strip()


def plain_text(text: str) -> str:
    """Multi-line plain text: controls but tab and newline go (CR LF and CR become LF),
    bidi characters go, ends are trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_bidi(_CONTROL.sub("", text)).strip()


def is_safe_url(value: str) -> bool:
    """True for an absolute http(s) URL with nothing that could leave its page context."""
    return bool(_SAFE_URL.fullmatch(value))
