"""gunicorn settings for xinqing, inside the package so no file in the working directory matters.

Start the service with either of these (they are the same thing):

    xinqing serve [gunicorn options]
    gunicorn -c python:service.gunicorn_conf [gunicorn options] 'service:create_app()'

The master empties the Prometheus multiprocess directory (metrics summed over workers), starts
the embedded store once when XINQING_REDIS_URL is unset (all workers share it and one generated
secret), checks the settings and the listening address before anything is printed, and prints
the demo banner only once it listens. `create_app()` under gunicorn refuses to run in a worker
of a master that did not load this module (a plain `gunicorn 'service:create_app()'`), naming
the command above: such workers would each count their own metrics and, without Redis, keep
their own store.

Every value here can be changed with its XINQING_* setting (see service/config.py) or, for
anything else gunicorn knows, with GUNICORN_CMD_ARGS (e.g. "--timeout 20") or a command-line
option.

Worker class, measured on the reaction PUT with wrk (bench/worker_classes.py, 2 cores; numbers
in docs/operations.md): sync, gthread and gevent answered about as many requests per second
(the service is CPU-bound in Python), and sync had the best p99 and is the simplest. Sync
workers close each connection after the response, so run them behind a buffering proxy
(nginx, a load balancer); XINQING_WORKER_CLASS=gthread keeps connections alive when nothing
is in front.
"""

import os
import shutil
import sys
import tempfile

from service.config import ConfigError
from service.config import setting as _setting


def setting(env: str):
    """Return a gunicorn-side setting; a bad value stops the start with one line naming it."""
    try:
        return _setting(env)
    except ConfigError as exc:
        print(f"xinqing: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)


bind = setting("XINQING_BIND")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs we may run on, not the machine's
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


workers = setting("XINQING_WORKERS") or int(os.environ.get("WEB_CONCURRENCY") or 0) or 2 * _cpus()
worker_class = setting("XINQING_WORKER_CLASS")
threads = setting("XINQING_THREADS") if worker_class == "gthread" else 1
worker_connections = 1000  # gevent only

# Behind a proxy / load balancer / CDN:
# - keepalive longer than the proxy's idle timeout, so gunicorn never closes a connection the
#   proxy is about to reuse (the classic source of sporadic 502s);
# - timeout kills a worker stuck for that long (Redis calls time out after ~1 s, so only a bug
#   gets here); graceful_timeout is how long SIGTERM waits for in-flight requests.
keepalive = setting("XINQING_KEEPALIVE")
timeout = 30
graceful_timeout = 30
# forwarded_allow_ips: the addresses whose X-Forwarded-Proto/-Ssl gunicorn believes when it
# decides the request's scheme. gunicorn reads FORWARDED_ALLOW_IPS (default the loopback);
# set it to the proxy's address or network, or "*" when only the proxy can reach this port.
# The client *address* is not taken from here: XINQING_PROXY_HOPS does that, in the app.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Heartbeat files on tmpfs: a container's overlay filesystem can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
# The app writes its own JSON access log (request id, route, duration); gunicorn's is off.
accesslog = None
# Several instances may run on one machine (tests, benchmarks); the control socket is unused.
control_socket_disable = True

if setting("XINQING_LOG_FORMAT") == "json":
    # gunicorn's own lines (worker boots, timeouts) in the same JSON shape as the app's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        # The master's own warnings (embedded store) in JSON too; workers' apps reuse this
        # handler (service.logs.init_logging) instead of adding a second one.
        "root": {"level": "WARNING", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False,
                               "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                              "stream": "ext://sys.stderr"}},
        "formatters": {"json": {"()": "service.logs.JsonFormatter"}},
    }

# What the master did at start (a forked worker inherits a copy): `master_pid` is set once this
# module's hooks run in a gunicorn master, which is how create_app() knows it was started the
# documented way (service.serving); `banner` waits for when_ready, so nothing is printed for a
# server that never managed to listen.
_state = {"master_pid": None, "banner": None, "metrics_dir": None, "metrics_dir_ours": False}


def master_pid() -> int | None:
    """Return the pid of the gunicorn master that ran this module's hooks, or None."""
    return _state["master_pid"]


def _prepare_metrics_dir() -> None:
    """Empty (or create) the per-worker metrics directory before any worker exists."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or setting("XINQING_METRICS_DIR")
    ours = not path
    if ours:
        path = tempfile.mkdtemp(prefix="xinqing-metrics-")
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):  # samples of a previous run would be summed in
        if name.endswith(".db"):
            os.unlink(os.path.join(path, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    _state.update(metrics_dir=path, metrics_dir_ours=ours)


def _refuse(server, message: str) -> None:
    """Stop the master before it listens or forks, with one plain message."""
    print(f"xinqing: {message}", file=sys.stderr, flush=True)
    if server.pidfile is not None:
        server.pidfile.unlink()
    sys.exit(2)


def on_starting(server):
    """Start the embedded store in the master when no Redis URL is set."""
    from service.config import ConfigError, load_config
    from service.serving import bind_problem

    try:
        load_config()  # a bad setting stops the master here, not every worker after the fork
    except ConfigError as exc:
        _refuse(server, str(exc))
    problem = bind_problem(server.cfg)
    if problem:
        _refuse(server, problem)
    _state["master_pid"] = os.getpid()
    _prepare_metrics_dir()
    if os.environ.get("XINQING_REDIS_URL"):
        return
    from service.embedded import start_embedded

    _state["banner"] = start_embedded(_public_base(server.cfg.bind))


def when_ready(server):
    """Listening: print the embedded banner, or say what the configured Redis holds."""
    if _state["banner"]:
        print(_state["banner"], flush=True)
        return
    from service.serving import redis_report

    level, message = redis_report()
    getattr(server.log, level)(message)


def _public_base(binds) -> str:
    address = binds[0] if binds else "127.0.0.1:8000"
    if address.startswith("unix:"):
        return "http://127.0.0.1:8000"
    host, _, port = address.rpartition(":")
    if host in ("0.0.0.0", "", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def child_exit(server, worker):
    """Mark a worker's metrics dead when it exits (multiprocess mode)."""
    from service.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def on_exit(server):
    """Stop the embedded store when gunicorn exits."""
    if _state["metrics_dir_ours"] and _state["metrics_dir"]:
        shutil.rmtree(_state["metrics_dir"], ignore_errors=True)
