"""Anonymous reader tokens: `<reader id>.<signature>`, signed per site with XINQING_SECRET_KEY.

The reader id is 12 random bytes (16 base64url characters), which is also the field name in
each article's vote hash (short field names keep that hash a compact listpack). The signature
binds the id to the site, so a token from another site, or a forged one, fails verification.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import re
import secrets

_TOKEN = re.compile(r"^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{24})$")


@functools.lru_cache(maxsize=8192)
def client_network(address: str | None) -> str:
    """Return what one client controls, for limits, bans and the tokenless-share rule: an IPv4
    address, or an IPv6 /64 (a home or a phone is handed a whole /64, so its addresses
    are one client). Never stored as such: callers key a hash with it."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _token_key(secret: str) -> bytes:
    return hashlib.sha256(b"xinqing reader token|" + secret.encode("utf-8")).digest()


class ReaderTokens:
    """Issue and verify reader tokens. `previous` is the secret key before a rotation: its
    tokens still verify (XINQING_SECRET_KEY_PREVIOUS), and `refresh` re-signs them."""

    def __init__(self, secret: str, previous: str | None = None) -> None:
        self._key = _token_key(secret)
        self._previous = _token_key(previous) if previous else None

    def _sign(self, site: str, reader: str, key: bytes | None = None) -> str:
        mac = hmac.new(key or self._key, f"{site}|{reader}".encode("ascii"),
                       hashlib.sha256).digest()
        return _b64(mac[:18])

    def issue(self, site: str) -> str:
        """Return a new reader's token for `site`."""
        reader = _b64(secrets.token_bytes(12))
        return f"{reader}.{self._sign(site, reader)}"

    def _check(self, site: str, token: str) -> tuple[str | None, bool]:
        """(reader id, signed with the current key) of a token for `site`; (None, False)."""
        match = _TOKEN.fullmatch(token or "")
        if not match:
            return None, False
        reader, signature = match.groups()
        if hmac.compare_digest(signature, self._sign(site, reader)):
            return reader, True
        if self._previous is not None and hmac.compare_digest(
                signature, self._sign(site, reader, self._previous)):
            return reader, False
        return None, False

    def verify(self, site: str, token: str) -> str | None:
        """Return the reader id if `token` was issued for `site` (with the key or the previous
        one), else None."""
        return self._check(site, token)[0]

    def refresh(self, site: str, token: str) -> str | None:
        """Return the same reader's token signed with the current key, if `token` verifies only
        with the previous key; else None (nothing to refresh)."""
        if self._previous is None:
            return None
        reader, current = self._check(site, token)
        if reader is None or current:
            return None
        return f"{reader}.{self._sign(site, reader)}"

    def visitor_id(self, client_address: str) -> str:
        """Return a keyed hash of a client address, so no raw address is stored in Redis."""
        mac = hmac.new(self._key, f"addr|{client_address}".encode(), hashlib.sha256).digest()
        return "a" + _b64(mac[:12])

    def network_id(self, client_address: str) -> str:
        """Return a keyed hash of the client's network (client_network): rate-limit keys and the
        tokenless-share rule use it, so no raw address is stored in Redis."""
        mac = hmac.new(self._key, f"net|{client_network(client_address)}".encode(),
                       hashlib.sha256).digest()
        return "n" + _b64(mac[:12])
