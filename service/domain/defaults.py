"""The defaults a new site starts with: the moods and share channels of 您此时的心情."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"

# In order, as on the page this service was modelled on.
DEFAULT_MOODS = [
    {"key": "happy", "labels": {"zh-CN": "开心", "en": "Happy"}, "emoji": "😊"},
    {"key": "sad", "labels": {"zh-CN": "难过", "en": "Sad"}, "emoji": "😢"},
    {"key": "like", "labels": {"zh-CN": "点赞", "en": "Like"}, "emoji": "👍"},
    {"key": "meh", "labels": {"zh-CN": "飘过", "en": "Meh"}, "emoji": "😶"},
]

DEFAULT_SHARE_CHANNELS = [
    {"key": "wechat", "labels": {"zh-CN": "微信好友", "en": "WeChat"}},
    {"key": "moments", "labels": {"zh-CN": "朋友圈", "en": "WeChat Moments"}},
    {"key": "weibo", "labels": {"zh-CN": "微博", "en": "Weibo"}},
    {"key": "qq", "labels": {"zh-CN": "QQ", "en": "QQ"}},
    {"key": "qzone", "labels": {"zh-CN": "QQ空间", "en": "Qzone"}},
    {"key": "link", "labels": {"zh-CN": "复制链接", "en": "Copy link"}},
    {"key": "native", "labels": {"zh-CN": "浏览器分享", "en": "Share sheet"}},
]
