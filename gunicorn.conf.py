"""gunicorn settings for xinqing: `gunicorn -c gunicorn.conf.py 'service:create_app()'`.

gunicorn reads this file by default from the working directory. With no XINQING_REDIS_URL,
the master starts the embedded store once (all workers share it) and prints a demo banner.
"""

import multiprocessing
import os

bind = os.environ.get("XINQING_BIND", "0.0.0.0:8000")
# Sync workers: measured fastest for short Redis-bound views on these machines.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = os.environ.get("XINQING_ACCESS_LOG") or None
# Several instances may run on one machine (tests, benchmarks); the control socket is unused.
control_socket_disable = True


def on_starting(server):
    if os.environ.get("XINQING_REDIS_URL"):
        return
    from service.embedded import start_embedded

    address = server.cfg.bind[0] if server.cfg.bind else "127.0.0.1:8000"
    host, _, port = address.rpartition(":")
    if host in ("0.0.0.0", "", "[::]"):
        host = "127.0.0.1"
    print(start_embedded(f"http://{host}:{port}"), flush=True)
