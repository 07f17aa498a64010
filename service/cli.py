"""The `xinqing` command: operator tasks against the Redis of XINQING_REDIS_URL.

Each command group registers itself in its own function, so groups can be added side by side.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence


def _services():
    """The same services the web app builds, from the XINQING_* environment."""
    from . import create_app

    return create_app().extensions["xinqing"]


# -- rankings -----------------------------------------------------------------------------
def _rankings_rebuild(args: argparse.Namespace) -> int:
    services = _services()
    sites = [args.site] if args.site else services.store.site_ids()
    for site in sites:
        result = services.rankings.rebuild(
            site, progress=lambda n, s=site: print(f"  {s}: {n} articles…", file=sys.stderr))
        print(f"{site}: replayed {result['replayed']} of {result['articles']} articles "
              f"(dropped {result['dropped_keys']} ranking keys)")
    return 0


def add_rankings_commands(sub) -> None:
    rankings = sub.add_parser("rankings", help="ranking maintenance")
    rsub = rankings.add_subparsers(dest="action", required=True)
    rebuild = rsub.add_parser(
        "rebuild",
        help="recompute rankings from the articles' vote and activity records",
        description="Drop every ranking key of the site(s) and replay each live article's "
                    "standing votes and hourly share/view/comment records. Run it when writes "
                    "are quiet (a write racing the replay of its article can count twice).")
    rebuild.add_argument("--site", help="only this site (default: every site)")
    rebuild.set_defaults(func=_rankings_rebuild)


# -- entry --------------------------------------------------------------------------------
COMMAND_GROUPS: list[Callable] = [add_rankings_commands]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xinqing", description="xinqing operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMAND_GROUPS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
