"""Build the one Redis client of a worker from XINQING_REDIS_URL; the embedded store too.

Single node (`redis://`, `rediss://`, `unix://`), Sentinel (`redis+sentinel://`) and Cluster
(`redis+cluster://`) all give a client with the same command surface. Timeouts are explicit
(redis-py's defaults are none) and retries are a single immediate one, so an unreachable Redis
turns into a 503 within about a second instead of hanging a worker.

With XINQING_WAIT_REPLICAS > 0 every connection the client opens follows each write (a write
command, or a pipeline or transaction holding one) with `WAIT numreplicas timeout` in the same
round trip, on the same connection, hence on the node that took the write (on Cluster, the
master of the written key's slot). Too few acknowledgements raise ReplicasBehind, which the
store layer answers as 503. Every store and script gets this without knowing it.
"""

from __future__ import annotations

import collections
import functools
import logging
import socket
import threading
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.commands import READ_COMMANDS
from redis.retry import Retry

log = logging.getLogger("xinqing.store")

# Errors that mean "the store cannot serve this right now" (503), as opposed to a bug (500).
try:  # RedisClusterException is not a RedisError
    from redis.exceptions import RedisClusterException
except ImportError:  # pragma: no cover
    RedisClusterException = ()  # type: ignore[assignment]



class ReplicasBehind(redis.exceptions.ResponseError):
    """Fewer replicas than XINQING_WAIT_REPLICAS acknowledged a write within its timeout.

    The write is applied on the master and may or may not survive a failover; every write is
    idempotent, so the client retries it.
    """

    def __init__(self, acknowledged: int, wanted: int, timeout_ms: int) -> None:
        super().__init__(f"WAIT {acknowledged} of {wanted} replica(s) acknowledged the write "
                         f"within {timeout_ms} ms")
        self.acknowledged, self.wanted = acknowledged, wanted


UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    ReplicasBehind,
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


# Commands that change no data: everything else (scripts included) counts as a write.
_NOT_WRITES = frozenset(READ_COMMANDS) | {
    "PING", "ECHO", "HELLO", "AUTH", "CLIENT", "SELECT", "SCRIPT", "INFO", "WAIT", "WAITAOF",
    "CLUSTER", "ASKING", "READONLY", "READWRITE", "COMMAND", "CONFIG", "SUBSCRIBE",
    "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "PUBLISH",
    "SPUBLISH", "TIME", "ROLE", "MEMORY", "OBJECT", "SENTINEL", "SLOWLOG", "LATENCY", "MULTI",
    "WATCH", "UNWATCH", "DISCARD", "QUIT", "RESET", "PFCOUNT", "ZREVRANGE", "ZRANGEBYSCORE",
    "ZREVRANGEBYSCORE", "ZRANK", "ZREVRANK", "ZSCORE", "ZSCAN", "ZRANGEBYLEX", "ZREVRANGEBYLEX",
}


def _is_write(args: tuple) -> bool:
    name = args[0]
    if isinstance(name, bytes):
        name = name.decode()
    return name.split(" ", 1)[0].upper() not in _NOT_WRITES


class _WaitForReplicas:
    """A redis-py connection that sends WAIT behind every write, in the same round trip.

    Replies are read in the order commands were sent; `_wait_after` holds, per expected
    reply, whether a WAIT reply follows it. A connection that drops forgets them (its
    replies are gone too).
    """

    wait_replicas = 1
    wait_timeout_ms = 100

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._wait_after: collections.deque[bool] = collections.deque()
        self._staged: list[bool] | None = None

    def _ensure_connected(self) -> None:
        # Connecting sends (and reads) a handshake of its own: do it before queueing flags.
        if not self._sock:
            self.connect_check_health(check_health=False)

    def _wait_command(self) -> tuple:
        return ("WAIT", self.wait_replicas, self.wait_timeout_ms)

    def send_command(self, *args, **kwargs):
        self._ensure_connected()
        write = _is_write(args)
        packed = self._command_packer.pack(*args)
        if write:
            packed = list(packed) + list(self._command_packer.pack(*self._wait_command()))
        self._wait_after.append(write)
        super().send_packed_command(packed, check_health=kwargs.get("check_health", True))

    def pack_commands(self, commands):
        commands = list(commands)
        write = any(_is_write(args) for args in commands)
        self._staged = [False] * (len(commands) - 1) + [write]
        if write:
            commands.append(self._wait_command())
        return super().pack_commands(commands)

    def send_packed_command(self, command, check_health=True):
        self._ensure_connected()
        staged, self._staged = self._staged, None
        if staged:
            self._wait_after.extend(staged)
        super().send_packed_command(command, check_health)

    def read_response(self, *args, **kwargs):
        if not (self._wait_after and self._wait_after.popleft()):
            return super().read_response(*args, **kwargs)
        try:
            reply = super().read_response(*args, **kwargs)
        except redis.exceptions.ResponseError:
            if self._sock:
                super().read_response()  # the WAIT's reply; the command's error stands
            raise
        acknowledged = int(super().read_response())
        if acknowledged < self.wait_replicas:
            behind = ReplicasBehind(acknowledged, self.wait_replicas, self.wait_timeout_ms)
            if getattr(_deferral, "depth", 0):
                _deferral.behind = behind  # raised when the store call's steps are done
            else:
                raise behind
        return reply

    def disconnect(self, *args, **kwargs):
        self._wait_after.clear()
        self._staged = None
        return super().disconnect(*args, **kwargs)


_deferral = threading.local()


def deferring_replicas(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run `fn` letting every write in it finish all its steps even when replicas lag; then
    raise ReplicasBehind if any write lacked acknowledgements.

    A store call may be several writes (on Cluster the article's script, then its rankings
    in other slots): stopping at the first would leave the later ones undone, and the
    client's retry finds the first already applied and does not redo them. Nested calls
    defer to the outermost one."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        state = _deferral
        depth = getattr(state, "depth", 0)
        state.depth = depth + 1
        try:
            result = fn(*args, **kwargs)
        finally:
            state.depth = depth
            behind = getattr(state, "behind", None) if depth == 0 else None
            if behind is not None:
                state.behind = None
        if behind is not None:
            raise behind
        return result

    return wrapper


def replicas_behind() -> bool:
    """Whether a write of the store call running on this thread (deferring_replicas) has
    lacked replica acknowledgements so far: its effects may not survive a failover."""
    return getattr(_deferral, "behind", None) is not None


def forgive_replicas_behind() -> bool:
    """Take back a shortfall recorded in the running store call (deferring_replicas), for a
    step whose loss in a failover the caller has provided for; whether there was one."""
    behind = getattr(_deferral, "behind", None)
    _deferral.behind = None
    return behind is not None


def waiting_connection_class(base: type, replicas: int, timeout_ms: int) -> type:
    """Return `base` (a redis-py connection class) made to WAIT for `replicas` after writes."""
    return type(f"Waiting{base.__name__}", (_WaitForReplicas, base),
                {"wait_replicas": replicas, "wait_timeout_ms": timeout_ms})


def _hosts(netloc: str, default_port: int) -> list[tuple[str, int]]:
    hosts = []
    for part in netloc.split(","):
        host, _, port = part.rpartition(":") if ":" in part else (part, "", "")
        hosts.append((host or part, int(port) if port else default_port))
    return hosts


def client_from_url(url: str, config: dict[str, Any]):
    """Return a redis-py client (Redis, Sentinel master or RedisCluster) for `url`; with
    WAIT_REPLICAS set, one whose writes wait for that many replicas (see the module's doc)."""
    client = _client_from_url(url, config)
    replicas = config.get("WAIT_REPLICAS") or 0
    if replicas and not url.startswith("redis+cluster://"):
        pool = client.connection_pool
        pool.connection_class = waiting_connection_class(
            pool.connection_class, replicas, config["WAIT_TIMEOUT_MS"])
    return client


def _client_from_url(url: str, config: dict[str, Any]):
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
        if config.get("WAIT_REPLICAS"):
            from redis.connection import Connection

            # redis-py hands connection_class to the nodes' pools only when built from a
            # URL: name the first node as one, the others stay startup nodes.
            common["url"] = f"redis://{nodes[0].host}:{nodes[0].port}"
            common["connection_class"] = waiting_connection_class(
                Connection, config["WAIT_REPLICAS"], config["WAIT_TIMEOUT_MS"])
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
