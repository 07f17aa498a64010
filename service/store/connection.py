"""Build the one Redis client of a worker from XINQING_REDIS_URL; the embedded store too.

Single node (`redis://`, `rediss://`, `unix://`), Sentinel (`redis+sentinel://`) and Cluster
(`redis+cluster://`) all give a client with the same command surface. Timeouts are explicit
(redis-py's defaults are none) and retries are a single immediate one, so an unreachable Redis
turns into a 503 within about a second instead of hanging a worker.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("xinqing.store")

# Errors that mean "the store cannot serve this right now" (503), as opposed to a bug (500).
try:  # RedisClusterException is not a RedisError
    from redis.exceptions import RedisClusterException
except ImportError:  # pragma: no cover
    RedisClusterException = ()  # type: ignore[assignment]

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,      # LOADING: (re)starting, reading its data set
    redis.exceptions.ReadOnlyError,         # READONLY: a replica (e.g. right after a failover)
    redis.exceptions.OutOfMemoryError,      # OOM: maxmemory reached under noeviction
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
    redis.exceptions.MasterDownError,
    RedisClusterException,  # type: ignore[misc]
    OSError,
)
# Error replies redis-py has no class for, or that reach us as a plain ResponseError (from
# inside a script or a pipeline): the first word of the reply says the server refuses
# writes (or everything) for now. MISCONF: a snapshot failed with
# stop-writes-on-bgsave-error; BUSY: a script or function is running past its time;
# NOREPLICAS: fewer replicas than min-replicas-to-write.
UNAVAILABLE_REPLIES = frozenset({"OOM", "MISCONF", "READONLY", "LOADING", "BUSY", "NOREPLICAS",
                                 "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN"})
_PIPELINE_PREFIX = "caused error: "  # redis-py's wording for an error inside a pipeline


def reply_code(exc: BaseException) -> str:
    """Return the error reply's first word ("OOM", "MISCONF"…), or the exception's class name."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, str) and status:
        return status
    if isinstance(exc, redis.exceptions.ResponseError):
        message = str(exc)
        if _PIPELINE_PREFIX in message:
            message = message.split(_PIPELINE_PREFIX, 1)[1]
        word = message.split(" ", 1)[0]
        if word.isupper():
            return word
    return type(exc).__name__


def unavailable(exc: BaseException) -> bool:
    """True if `exc` means the store cannot serve the command right now (answer 503)."""
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return True
    return isinstance(exc, redis.exceptions.ResponseError) and reply_code(exc) in UNAVAILABLE_REPLIES


def _common(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "socket_timeout": config["REDIS_SOCKET_TIMEOUT"],
        "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"],
        "retry": Retry(NoBackoff(), 1),
        "health_check_interval": 0,
        "decode_responses": True,
    }


def _hosts(netloc: str, default_port: int) -> list[tuple[str, int]]:
    hosts = []
    for part in netloc.split(","):
        host, _, port = part.rpartition(":") if ":" in part else (part, "", "")
        hosts.append((host or part, int(port) if port else default_port))
    return hosts


def client_from_url(url: str, config: dict[str, Any]):
    """Return a redis-py client (Redis, Sentinel master or RedisCluster) for `url`."""
    common = _common(config)
    if url.startswith("redis+sentinel://"):
        from redis.sentinel import Sentinel

        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)
        password = unquote(netloc[0].split(":", 1)[-1]) if len(netloc) == 2 else None
        path = [p for p in parts.path.split("/") if p]
        if not path:
            raise ValueError("redis+sentinel:// needs the master name: redis+sentinel://h:26379/mymaster")
        service, db = path[0], int(path[1]) if len(path) > 1 else 0
        sentinel = Sentinel(
            _hosts(netloc[-1], 26379),
            socket_timeout=common["socket_timeout"],
            socket_connect_timeout=common["socket_connect_timeout"],
        )
        return sentinel.master_for(service, db=db, password=password,
                                   max_connections=config["REDIS_MAX_CONNECTIONS"], **common)
    if url.startswith("redis+cluster://"):
        from redis.cluster import ClusterNode, RedisCluster

        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)
        password = unquote(netloc[0].split(":", 1)[-1]) if len(netloc) == 2 else None
        nodes = [ClusterNode(h, p) for h, p in _hosts(netloc[-1], 6379)]
        common.pop("health_check_interval")
        return RedisCluster(startup_nodes=nodes, password=password,
                            max_connections=config["REDIS_MAX_CONNECTIONS"], **common)
    return redis.Redis.from_url(url, max_connections=config["REDIS_MAX_CONNECTIONS"], **common)


def limits_storage_uri(url: str) -> str:
    """Translate XINQING_REDIS_URL into the storage URI Flask-Limiter (limits) expects."""
    if url.startswith("redis+sentinel://"):
        return "redis+sentinel://" + url[len("redis+sentinel://"):]
    if url.startswith("redis+cluster://"):
        return url
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):]
    return url


# -- the embedded store -------------------------------------------------------------------

_inproc_lock = threading.Lock()
_inproc_server = None


def inprocess_fake_client(config: dict[str, Any]):
    """Return a fakeredis client on one server per process (tests and `flask run` without Redis)."""
    import fakeredis

    global _inproc_server
    with _inproc_lock:
        if _inproc_server is None:
            _inproc_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_inproc_server, decode_responses=True)


class EmbeddedServer:
    """A fakeredis TCP server on loopback, started once (in gunicorn's master) for all workers.

    fakeredis's server does not set TCP_NODELAY, which stalls every pipelined exchange by the
    ~40 ms delayed-ACK timer; we set it on each accepted socket.
    """

    def __init__(self, port: int = 0) -> None:
        from fakeredis import TcpFakeServer

        class _NoDelayServer(TcpFakeServer):
            daemon_threads = True

            def get_request(self):  # noqa: D401 - socketserver hook
                sock, addr = super().get_request()
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock, addr

        self._server = _NoDelayServer(("127.0.0.1", port), server_type="redis", server_version=(7, 0))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="xinqing-embedded",
                                        daemon=True)

    @property
    def url(self) -> str:
        """Return the redis:// URL of the embedded server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "EmbeddedServer":
        """Start serving on the loopback port; return self."""
        self._thread.start()
        log.warning("embedded store (fakeredis) listening on %s — data lives in memory only", self.url)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
