"""Request ids, the access log, request metrics and `GET /metrics`, for every endpoint.

App-level hooks keyed on the matched route template, so blueprints added later are measured
and logged without listing them here. `init_observe` must run before any other
`before_request` hook (the timer starts first) and its `after_request` hook is registered
first, so it runs last and sees the final status (a 304, a 429, CORS headers…).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os
import re
import time

from flask import Flask, Response, current_app, g, request
from flask_smorest import Api

from ..errors import Unauthorized
from ..logs import client_network
from ..metrics import CONTENT_TYPE_LATEST
from .blueprint import Blueprint
from .context import bearer, services
from .operations import METRICS, operation
from .response import add_new, body_length, header_names

access_log = logging.getLogger("xinqing.access")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept if it is short and plain (no spaces, quotes or control characters),
# so it can be logged and echoed safely; otherwise a fresh one replaces it.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")

blp = Blueprint("metrics", __name__, description="Prometheus metrics")


@blp.route("/metrics")
@operation("getMetrics", METRICS, storage=False)
@blp.response(200, description="Prometheus text exposition format, summed over all workers",
              content_type=CONTENT_TYPE_LATEST)
def metrics():
    """Prometheus metrics: the metrics or admin token; without a metrics token, loopback and
    private client addresses too (anyone, on the in-process store)."""
    if not _metrics_allowed():
        raise Unauthorized("this call needs the metrics token or the admin token (or, without "
                           "a metrics token, a loopback or private client address)",
                           headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    # content_type, not mimetype: the type already names its charset, and mimetype= would add
    # a second one (promtool and strict parsers refuse that).
    return Response(services().metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def _metrics_allowed() -> bool:
    config = current_app.config
    token = bearer()
    wanted = [secret for secret in (config.get("METRICS_TOKEN"), config.get("ADMIN_TOKEN"))
              if secret]
    if token is not None and any(hmac.compare_digest(token.encode(), secret.encode())
                                 for secret in wanted):
        return True
    if config.get("METRICS_TOKEN"):
        return False
    if not config.get("REDIS_URL"):
        return True  # the in-process store: a developer's machine
    return _internal(request.remote_addr)


# Where a scraper inside the deployment comes from: loopback, the RFC 1918 ranges and IPv6
# unique-local addresses. (Python's `is_private` also counts documentation and reserved
# ranges, which are not "inside".)
INTERNAL_NETWORKS = tuple(ipaddress.ip_network(network) for network in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"))


@functools.lru_cache(maxsize=1024)
def _internal(address: str | None) -> bool:
    """True for a loopback or private client address (INTERNAL_NETWORKS)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in INTERNAL_NETWORKS)


# These two hooks run on every request, so each binds the request, g and the app once:
# every `request.`/`g.`/`current_app.` goes through a context-variable lookup (~1-2 µs).

def _start() -> None:
    ctx_g = g._get_current_object()
    ctx_g.request_started = time.perf_counter()
    incoming = request.environ.get("HTTP_X_REQUEST_ID")  # request.headers.get(REQUEST_ID_HEADER)
    # 32 random hex digits, the shape uuid4().hex had, at a quarter of its cost
    ctx_g.request_id = (incoming if incoming and _REQUEST_ID_RE.fullmatch(incoming)
                        else os.urandom(16).hex())


def _finish(response):
    req = request._get_current_object()
    ctx_g = g._get_current_object()
    app = current_app._get_current_object()
    request_id = ctx_g.get("request_id")
    if request_id:
        headers = response.headers
        if "x-request-id" in header_names(headers):
            headers[REQUEST_ID_HEADER] = request_id
        else:  # (the usual case; the id is ours or matched _REQUEST_ID_RE: no newline)
            add_new(headers, REQUEST_ID_HEADER, request_id)
    started = ctx_g.get("request_started")
    elapsed = time.perf_counter() - started if started is not None else 0.0
    rule = req.url_rule
    route = rule.rule if rule is not None else "unmatched"
    status = response.status_code
    method = req.method
    app.extensions["xinqing"].metrics.observe_request(route, method, status, elapsed)
    if app.config.get("ACCESS_LOG", True) and access_log.isEnabledFor(logging.INFO):
        view_args = req.view_args or {}
        path = req.path
        # access_log.info(...), made and handled directly: Logger.info would walk the stack
        # to find this line (findCaller) for a record whose source nobody prints
        access_log.handle(access_log.makeRecord(
            access_log.name, logging.INFO, __file__, _ACCESS_LOG_LINE, "%s %s %s",
            (method, path, status), None, "_finish", {"fields": {
                "request_id": request_id,
                "method": method,
                # the path only: query strings are not logged (nothing secret belongs there,
                # but nothing forces clients to agree)
                "path": path[:256],
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 3),
                "site": (view_args.get("site") or None) and view_args["site"][:64],
                "client_network": client_network(req.remote_addr),
                "bytes": body_length(response),
            }}))
    return response


_ACCESS_LOG_LINE = _finish.__code__.co_firstlineno  # the record's lineno: this hook


def init_observe(app: Flask) -> None:
    """Install the request id, timing and access-log hooks and the metrics hooks."""
    services = app.extensions["xinqing"]
    # The metrics object itself (and its vote/share/view hooks) comes from the composition
    # root; counting Redis round trips is this process's HTTP-side concern.
    services.metrics.instrument_redis(services.store.client)
    # First in line, whatever registered before us.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)


def register_metrics_endpoint(api: Api) -> None:
    """Register `GET /metrics` on the API."""
    api.register_blueprint(blp)
