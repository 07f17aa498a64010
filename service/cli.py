"""The `xinqing` command: operator tasks against the configured Redis.

    xinqing serve [gunicorn options]            run the service (gunicorn + its settings)
    xinqing sites create NAME [--timezone TZ]   create a site, print its editor token
    xinqing sites list                          list site ids
    xinqing sites rotate-token NAME             give a site a new editor token, print it
    xinqing settings                            print the settings table (Markdown)
    xinqing errors                              print the error catalogue (docs/errors.md)
    xinqing rankings rebuild [--site S]         recompute rankings from the articles' records
    xinqing rankings sweep [--site S]           fold ranking writes left in articles' outboxes
    xinqing export / import / migrate / readers  data ownership (service/cli_data.py)
"""

from __future__ import annotations

import argparse
import json
import sys

from .config import ConfigError, load_config, settings_table


def fail(message: str) -> int:
    """Say what went wrong on standard error; return the exit status of a failed command."""
    print(f"error: {message}", file=sys.stderr)
    return 1


def open_services():
    """Build the app's services over the configured shared Redis (service.composition)."""
    from .composition import command_line_services

    return command_line_services()


def cmd_sites_create(args) -> int:
    """Create a site and print its editor token."""
    from .errors import XinqingError

    services = open_services()
    settings = {"timezone": args.timezone} if args.timezone else {}
    try:
        site, token = services.sites.create(args.name, settings)
    except XinqingError as exc:
        return fail(f"{exc.message} ({exc.code})")
    if args.json:
        print(json.dumps({"site": site.site, "editor_token": token}))
    else:
        print(f"created site {site.site}\neditor token: {token}")
    return 0


def cmd_sites_rotate_token(args) -> int:
    """Give a site a new editor token and print it."""
    from .errors import XinqingError

    services = open_services()
    try:
        token = services.sites.rotate_editor_token(args.name)
    except XinqingError as exc:
        return fail(f"{exc.message} ({exc.code})")
    print(f"new editor token of {args.name} (the old one no longer works): {token}")
    return 0


SERVE_CONFIG = "python:service.gunicorn_conf"
APP = "service:create_app()"


def cmd_serve(args) -> int:
    """Run gunicorn in this process with the package's settings and any gunicorn `options`.

    Settings and the listening address are checked before gunicorn starts, so a mistake is
    one message and nothing else (no banner, no tokens for a server that cannot listen).
    """
    from gunicorn.app.wsgiapp import WSGIApplication

    from .serving import bind_problem

    load_config()  # a bad XINQING_* value: ConfigError, reported by main()
    sys.argv = ["xinqing serve", "-c", SERVE_CONFIG, *args.options, APP]
    application = WSGIApplication("%(prog)s [gunicorn options]", prog="xinqing serve")
    problem = bind_problem(application.cfg)
    if problem:
        print(f"xinqing: {problem}", file=sys.stderr)
        return 2
    application.run()
    return 0


def cmd_sites_list(args) -> int:
    """Print every site id."""
    for site in open_services().store.site_ids():
        print(site)
    return 0


def cmd_settings(args) -> int:
    """Print the settings table."""
    print(settings_table())
    return 0


def cmd_errors(args) -> int:
    """Print the error catalogue."""
    from .errors import catalogue

    print(catalogue(), end="")
    return 0


def cmd_rankings_rebuild(args) -> int:
    """Rebuild the rankings of one site or every site, as the app would."""
    services = open_services()
    for site in [args.site] if args.site else services.store.site_ids():
        result = services.rankings.rebuild(
            site, progress=lambda n, s=site: print(f"  {s}: {n} articles…", file=sys.stderr))
        print(f"{site}: replayed {result['replayed']} of {result['articles']} articles "
              f"(dropped {result['dropped_keys']} ranking keys)")
    return 0


def cmd_rankings_sweep(args) -> int:
    """Fold what articles' ranking outboxes still owe their scopes, for one site or all."""
    services = open_services()
    status = 0
    for site in [args.site] if args.site else services.store.site_ids():
        articles, entries, failed = services.rankings.sweep(site)
        print(f"{site}: folded {entries} outbox entries of {articles} articles")
        if failed:
            print(f"{site}: folding failed for {failed} articles (logged); run it again",
                  file=sys.stderr)
            status = 1
    return status


def add_rankings_commands(sub) -> None:
    """`xinqing rankings rebuild|sweep [--site S]` (docs/rankings.md)."""
    rankings = sub.add_parser("rankings", help="ranking maintenance") \
        .add_subparsers(dest="action", required=True)
    rebuild = rankings.add_parser(
        "rebuild", help="recompute rankings from the articles' vote and activity records",
        description="Drop every ranking key of the site(s) and replay each live article's "
                    "standing votes and hourly share/view/comment records. Run it when "
                    "writes are quiet (a write racing the replay of its article can count "
                    "twice).")
    rebuild.add_argument("--site", help="only this site (default: every site)")
    rebuild.set_defaults(func=cmd_rankings_rebuild)
    sweep = rankings.add_parser(
        "sweep", help="fold the ranking writes articles' outboxes still hold",
        description="A write that could not fold its ranking ops into a scope at once (Redis "
                    "Cluster, a failover, a worker killed between two steps) leaves them in "
                    "its article's outbox; the article's next write folds them. This folds "
                    "the rest, each entry at most once: safe to run at any time, under "
                    "writes, for example after a failover or from cron.")
    sweep.add_argument("--site", help="only this site (default: every site)")
    sweep.set_defaults(func=cmd_rankings_sweep)


def build_parser() -> argparse.ArgumentParser:
    """Return the `xinqing` argument parser with every command."""
    parser = argparse.ArgumentParser(prog="xinqing", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve", help="run the service under gunicorn with its own settings",
        description="Run the service: gunicorn with the settings in service/gunicorn_conf.py "
                    "(the same as `gunicorn -c python:service.gunicorn_conf "
                    "'service:create_app()'`). Settings come from XINQING_* variables; any "
                    "other gunicorn option may follow, e.g. `xinqing serve --bind "
                    "0.0.0.0:8000 --workers 4`.")
    serve.set_defaults(func=cmd_serve, options=[])

    sites = sub.add_parser("sites", help="manage sites").add_subparsers(dest="action", required=True)
    create = sites.add_parser("create", help="create a site and print its editor token")
    create.add_argument("name", help="site id: [a-z0-9][a-z0-9-]{0,31}")
    create.add_argument("--timezone", help="IANA time zone (default Asia/Shanghai)")
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(func=cmd_sites_create)
    sites.add_parser("list", help="list site ids").set_defaults(func=cmd_sites_list)
    rotate = sites.add_parser("rotate-token", help="give a site a new editor token and print "
                                                   "it; the old token stops working")
    rotate.add_argument("name", help="site id")
    rotate.set_defaults(func=cmd_sites_rotate_token)

    sub.add_parser("settings", help="print every XINQING_* setting as a Markdown table") \
        .set_defaults(func=cmd_settings)
    sub.add_parser("errors", help="print every error code as a Markdown table (docs/errors.md)") \
        .set_defaults(func=cmd_errors)
    add_rankings_commands(sub)
    from .cli_data import add_data_commands

    add_data_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one `xinqing` command; return its exit status."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "serve":
        args.options = unknown  # everything after `serve` belongs to gunicorn
    elif unknown:
        parser.error("unrecognized arguments: " + " ".join(unknown))
    if getattr(args, "name", None) is not None:
        from schemas.common import SITE_RE

        if not SITE_RE.fullmatch(args.name):
            parser.error("site id must match [a-z0-9][a-z0-9-]{0,31}")
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
