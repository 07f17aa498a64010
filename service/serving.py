"""How the service is started: the one documented command, and the checks around it.

`xinqing serve` runs gunicorn with the settings in service/gunicorn_conf.py. This module holds
what that start relies on and what it tells the person starting it: whether `create_app()` is
running in a worker of such a master (a plain `gunicorn 'service:create_app()'` is refused,
naming the right command), whether the listening address is free (checked before anything is
printed), and what the configured Redis holds (no site yet: how to create one).
"""

from __future__ import annotations

import errno
import os
import socket
import sys

START_COMMAND = "xinqing serve"
GUNICORN_COMMAND = "gunicorn -c python:service.gunicorn_conf 'service:create_app()'"

REFUSAL = (
    "xinqing refuses to start under a plain `gunicorn 'service:create_app()'`: without its "
    "gunicorn settings every worker would count its own /metrics (Prometheus would see wrong "
    "numbers and counter resets), and without XINQING_REDIS_URL every worker would keep its own "
    "store and secret. Start it with\n"
    f"    {START_COMMAND} [gunicorn options, e.g. --bind 0.0.0.0:8000 --workers 4]\n"
    "or, the same thing with gunicorn itself,\n"
    f"    {GUNICORN_COMMAND}\n"
    "(gunicorn's --preload is not supported: the master must prepare the shared metrics "
    "directory and store before the app is built)."
)


def under_gunicorn() -> bool:
    """True in a gunicorn master or worker (gunicorn's arbiter sets SERVER_SOFTWARE)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def check_started_correctly() -> None:
    """Refuse to build the app in gunicorn unless its master ran service.gunicorn_conf's hooks.

    Outside gunicorn (tests, `flask run`, other single-process servers) nothing is checked.
    Raises gunicorn's AppImportError, which makes gunicorn print the message alone and stop
    instead of restarting workers forever.
    """
    if not under_gunicorn():
        return
    conf = sys.modules.get("service.gunicorn_conf")
    if conf is not None and conf.master_pid() is not None:
        return
    from gunicorn.errors import AppImportError

    raise AppImportError(REFUSAL)


# -- the listening address ------------------------------------------------------------------

def _tcp_address(bind: str) -> tuple[str, int] | None:
    if bind.startswith(("unix:", "fd://")):
        return None
    if bind.startswith("tcp://"):
        bind = bind[len("tcp://"):]
    host, sep, port = bind.rpartition(":")
    if not sep:
        host, port = bind, "8000"
    if not port.isdigit():
        return None
    return host.strip("[]") or "0.0.0.0", int(port)


def _in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _free_port_near(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + 50, 65535)):
        if not _in_use(host, candidate):
            return candidate
    return None


def bind_problem(cfg) -> str | None:
    """Return a message if an address gunicorn (its Config `cfg`) is about to listen on is taken.

    Sockets handed over by systemd or a re-exec'ing master, and SO_REUSEPORT binds, are not
    checked.
    """
    if os.environ.get("GUNICORN_FD") or os.environ.get("LISTEN_FDS") or cfg.reuse_port:
        return None
    for bind in cfg.bind or []:
        address = _tcp_address(bind)
        if address is None or not _in_use(*address):
            continue
        host, port = address
        other = _free_port_near(host, port) or port + 1
        shown = f"[{host}]" if ":" in host else host
        hints = []
        if os.environ.get("MAKELEVEL"):  # started by `make run`
            hints.append(f"make run PORT={other}")
        hints.append(f"{START_COMMAND} --bind {shown}:{other}   (or XINQING_BIND={shown}:{other})")
        return (f"cannot listen on {shown}:{port}: another program is using that port. "
                f"Pick a free one ({other} is free), e.g.\n    " + "\n    ".join(hints))
    return None


# -- what the configured Redis holds ----------------------------------------------------------

def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "…@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


def redis_report() -> tuple[str, str]:
    """(log level, message) about the configured Redis, for the master once it listens."""
    from .config import load_config
    from .store import Store
    from .store.connection import UNAVAILABLE_ERRORS, client_from_url

    config = load_config()
    where = _without_password(config["REDIS_URL"])
    client = client_from_url(config["REDIS_URL"], config)
    try:
        sites = Store(client, prefix=config["KEY_PREFIX"]).site_ids()
    except UNAVAILABLE_ERRORS as exc:
        return "warning", (f"Redis at {where} does not answer yet ({type(exc).__name__}); "
                           "requests answer 503 and /readyz 503 until it does")
    finally:
        client.close()
    if not sites:
        return "warning", (
            f"no site exists yet in Redis at {where}: create one with `xinqing sites create "
            "NAME` (it prints the editor token; run it with the same XINQING_REDIS_URL), or "
            "POST /v1/admin/sites {\"site\": \"NAME\"} with the admin token as Bearer")
    shown = ", ".join(sites[:10]) + (f" and {len(sites) - 10} more" if len(sites) > 10 else "")
    return "info", f"serving {len(sites)} site(s) from Redis at {where}: {shown}"
