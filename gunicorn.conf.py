"""gunicorn settings for xinqing: `gunicorn -c gunicorn.conf.py 'service:create_app()'`.

gunicorn reads this file by default from the working directory. With no XINQING_REDIS_URL,
the master starts the embedded store once (all workers share it) and prints a demo banner.
Every value here can be changed with its XINQING_* setting (see service/config.py) or, for
anything else gunicorn knows, with GUNICORN_CMD_ARGS (e.g. "--timeout 20").

Worker class, measured on the reaction PUT with wrk (bench/worker_classes.py, 2 cores; numbers
in docs/operations.md): sync, gthread and gevent answered about as many requests per second
(the service is CPU-bound in Python), and sync had the best p99 and is the simplest. Sync
workers close each connection after the response, so run them behind a buffering proxy
(nginx, a load balancer); XINQING_WORKER_CLASS=gthread keeps connections alive when nothing
is in front.
"""

import os
import shutil
import tempfile

from service.config import setting

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

_metrics_dir = {"path": None, "ours": False}


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
    _metrics_dir.update(path=path, ours=ours)


def on_starting(server):
    _prepare_metrics_dir()
    if os.environ.get("XINQING_REDIS_URL"):
        return
    from service.embedded import start_embedded

    address = server.cfg.bind[0] if server.cfg.bind else "127.0.0.1:8000"
    host, _, port = address.rpartition(":")
    if host in ("0.0.0.0", "", "[::]"):
        host = "127.0.0.1"
    print(start_embedded(f"http://{host}:{port}"), flush=True)


def child_exit(server, worker):
    from service.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir["ours"] and _metrics_dir["path"]:
        shutil.rmtree(_metrics_dir["path"], ignore_errors=True)
