"""The defaults a new site starts with: the moods and share channels of 您此时的心情."""

from __future__ import annotations

import re

# Label languages: Simplified and Traditional Chinese, English. A label missing in the
# language asked for falls back to zh-CN.
LANGUAGES = ("zh-CN", "zh-TW", "en")
DEFAULT_LANGUAGE = "zh-CN"
# Traditional-script Chinese: Taiwan, Hong Kong, Macau, or the script named outright.
_TRADITIONAL = re.compile(r"zh-(tw|hk|mo|hant)(-.*)?", re.IGNORECASE)


def language_of(tag: str) -> str | None:
    """Return the label language a language tag asks for (`zh-Hant-HK` → zh-TW, `zh` →
    zh-CN, `en-GB` → en), or None when none of LANGUAGES serves it."""
    tag = tag.strip()
    for lang in LANGUAGES:
        if lang.lower() == tag.lower():
            return lang
    if _TRADITIONAL.fullmatch(tag):
        return "zh-TW"
    primary = tag.split("-")[0].lower()
    return next((lang for lang in LANGUAGES if lang.split("-")[0].lower() == primary), None)


def pick_language(requested: str | None, accepted: list[str]) -> str:
    """Return the label language: `?lang=` if it names one, else the first of the
    Accept-Language tags (in preference order) that does, else the default."""
    for tag in ([requested] if requested else []) + accepted:
        found = language_of(tag)
        if found:
            return found
    return DEFAULT_LANGUAGE

# In order, as on the page this service was modelled on.
DEFAULT_MOODS = [
    {"key": "happy", "labels": {"zh-CN": "开心", "zh-TW": "開心", "en": "Happy"}, "emoji": "😊"},
    {"key": "sad", "labels": {"zh-CN": "难过", "zh-TW": "難過", "en": "Sad"}, "emoji": "😢"},
    {"key": "like", "labels": {"zh-CN": "点赞", "zh-TW": "點讚", "en": "Like"}, "emoji": "👍"},
    {"key": "meh", "labels": {"zh-CN": "飘过", "zh-TW": "飄過", "en": "Meh"}, "emoji": "😶"},
]

DEFAULT_SHARE_CHANNELS = [
    {"key": "wechat", "labels": {"zh-CN": "微信好友", "zh-TW": "微信好友", "en": "WeChat"}},
    {"key": "moments", "labels": {"zh-CN": "朋友圈", "zh-TW": "朋友圈", "en": "WeChat Moments"}},
    {"key": "weibo", "labels": {"zh-CN": "微博", "zh-TW": "微博", "en": "Weibo"}},
    {"key": "qq", "labels": {"zh-CN": "QQ", "zh-TW": "QQ", "en": "QQ"}},
    {"key": "qzone", "labels": {"zh-CN": "QQ空间", "zh-TW": "QQ空間", "en": "Qzone"}},
    {"key": "link", "labels": {"zh-CN": "复制链接", "zh-TW": "複製連結", "en": "Copy link"}},
    {"key": "native", "labels": {"zh-CN": "浏览器分享", "zh-TW": "瀏覽器分享", "en": "Share sheet"}},
]
