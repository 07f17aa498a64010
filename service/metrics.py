"""Prometheus metrics, summed over every gunicorn worker.

Under gunicorn, service/gunicorn_conf.py points PROMETHEUS_MULTIPROC_DIR at an emptied directory
before any worker starts; each worker then writes its samples to its own memory-mapped files
there and a scrape sums them all (prometheus-client's multiprocess mode). Without that
variable (plain `create_app()`, tests, `flask run`), each app has its own in-process registry.

Metric objects belong to one app (`Metrics`), never to the module, so several apps in one
process (tests) do not share counts. Redis timing wraps the client's `execute_command` and
pipelines' `execute`, so store code written later is measured without knowing about it.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from typing import Any, Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401 - re-exported for the view

HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
REDIS_BUCKETS = (0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


def multiprocess_dir() -> str | None:
    """Return the Prometheus multiprocess directory, if one is set and exists."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


def _fast_observe(child) -> Callable[[float], None]:
    """`child.observe` of a labelled Histogram child, without its per-call checks.

    prometheus-client's observe checks the child has its labels (it has: it came from
    `labels()`), then walks the bucket bounds; this writes the same two values (the sum and
    the first bucket whose bound is >= amount) with a bisection. Falls back to `observe`
    if the child does not have the attributes this relies on."""
    try:
        bounds, buckets, total = list(child._upper_bounds), child._buckets, child._sum
    except AttributeError:  # pragma: no cover - another prometheus-client layout
        return child.observe

    def observe(amount: float) -> None:
        total.inc(amount)
        buckets[bisect_left(bounds, amount)].inc(1)

    return observe


def _fast_inc(child) -> Callable[[], None]:
    """`child.inc()` of a labelled Counter child, without its per-call checks."""
    value = getattr(child, "_value", None)
    if value is None:  # pragma: no cover
        return child.inc
    return lambda: value.inc(1)


class Metrics:
    """Every metric the service exports, for one app."""

    def __init__(self) -> None:
        self.multiprocess = multiprocess_dir()
        # In multiprocess mode samples go to files, and a fresh collector reads them per scrape.
        registry = None if self.multiprocess else CollectorRegistry()
        self.registry = registry

        def counter(name: str, doc: str, labels: tuple[str, ...]) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        def histogram(name: str, doc: str, labels: tuple[str, ...], buckets) -> Histogram:
            return Histogram(name, doc, labels, registry=registry, buckets=buckets)

        self.requests = counter("xinqing_http_requests", "HTTP requests answered, by route "
                                "template (unmatched: no route), method and status.",
                                ("route", "method", "status"))
        self.latency = histogram("xinqing_http_request_duration_seconds",
                                 "Time from the first request hook to the response, by route "
                                 "and method.", ("route", "method"), HTTP_BUCKETS)
        self.reactions = counter("xinqing_reactions", "Votes cast or moved, by site and the mood "
                                 "voted for.", ("site", "mood"))
        self.retractions = counter("xinqing_reaction_retractions", "Votes retracted, by site.",
                                   ("site",))
        self.shares = counter("xinqing_shares", "Shares counted (after the counting rule), by "
                              "site and channel.", ("site", "channel"))
        self.views = counter("xinqing_views", "Page views counted (after the counting rule), "
                             "by site.", ("site",))
        self.redis_latency = histogram("xinqing_redis_command_duration_seconds",
                                       "Round trip of each Redis command or pipeline, by "
                                       "command (EVALSHA: a Lua write; PIPELINE: a batch).",
                                       ("command",), REDIS_BUCKETS)
        self.redis_errors = counter("xinqing_redis_errors", "Redis calls that failed, by "
                                    "command and exception class (ConnectionError, "
                                    "TimeoutError…).", ("command", "error"))
        self._redis_children: dict[str, Callable[[float], None]] = {}
        self._http_children: dict[tuple[str, str, int], Any] = {}
        self._vote_children: dict[tuple[str, str | None], Callable[[], None]] = {}

    # -- exposition -----------------------------------------------------------------------
    def exposition(self) -> bytes:
        """Return the text format of every metric, summed over all workers in multiprocess mode."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.multiprocess)
            return generate_latest(registry)
        return generate_latest(self.registry)

    # -- HTTP -----------------------------------------------------------------------------
    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        # Label lookups take a lock and build tuples; the children are cached (bounded by
        # routes x methods x statuses).
        """Count one answered request and its duration."""
        children = self._http_children.get((route, method, status))
        if children is None:
            children = self._http_children[(route, method, status)] = (
                _fast_observe(self.latency.labels(route, method)),
                _fast_inc(self.requests.labels(route, method, str(status))))
        children[0](seconds)
        children[1]()

    # -- domain hooks (Engagement.after_vote / after_share / after_view) -------------------
    def on_vote(self, event) -> None:
        """Count one reaction write."""
        key = (event.site.site, event.mood)
        inc = self._vote_children.get(key)
        if inc is None:
            # (bounded like the labels themselves: sites x moods)
            inc = self._vote_children[key] = _fast_inc(
                self.retractions.labels(key[0]) if key[1] is None
                else self.reactions.labels(*key))
        inc()

    def on_share(self, site, article, channel, now) -> None:
        """Count one share."""
        self.shares.labels(site.site, channel).inc()

    def on_view(self, site, article, now) -> None:
        """Count one page view."""
        self.views.labels(site.site).inc()

    # -- Redis ----------------------------------------------------------------------------
    def _redis_child(self, command: str) -> Callable[[float], None]:
        observe = self._redis_children.get(command)
        if observe is None:
            observe = self._redis_children[command] = _fast_observe(
                self.redis_latency.labels(command))
        return observe

    def _timed(self, command: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            self.redis_errors.labels(command, type(exc).__name__).inc()
            raise
        finally:
            self._redis_child(command)(time.perf_counter() - start)

    def instrument_redis(self, client) -> None:
        """Time every command and pipeline `client` runs (in place; idempotent)."""
        if getattr(client, "_xinqing_instrumented", False):
            return
        execute_command = client.execute_command
        make_pipeline = client.pipeline
        timed = self._timed

        def timed_execute_command(*args, **options):
            name = args[0] if args and isinstance(args[0], str) else "?"
            if " " in name:  # e.g. "SCRIPT LOAD"
                name = name.split(" ", 1)[0]
            return timed(name.upper(), execute_command, *args, **options)

        def timed_pipeline(*args, **kwargs):
            pipe = make_pipeline(*args, **kwargs)
            execute = pipe.execute
            pipe.execute = lambda *a, **kw: timed("PIPELINE", execute, *a, **kw)
            return pipe

        client.execute_command = timed_execute_command
        client.pipeline = timed_pipeline
        client._xinqing_instrumented = True


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit: drop the dead worker's live gauges (its counters stay summed)."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
