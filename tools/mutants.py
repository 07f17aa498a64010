"""Break the rankings on purpose and count the runs of their tests that notice.

    .venv/bin/python tools/mutants.py                    # every mutant, 20 runs each
    .venv/bin/python tools/mutants.py old-vote-hour -n 5 # one mutant, 5 runs
    .venv/bin/python tools/mutants.py --list

Each run copies the repository's files (tracked and untracked, not ignored) to a temporary
directory, applies one mutant there (a text replacement that must match exactly once), and
runs the rankings model test and the window-edge tests on that copy with its own hypothesis
seed (`--hypothesis-seed=<run>`) and the `mutants` profile (no example database, so no run
replays another's failure; no shrinking, so a failing run ends soon). The working tree is
never modified. A mutant is killed in a run when a test fails; the report says which files
failed, per run. Exit status 0 when every mutant was killed in every run.

First, with `--check` (on by default), the same command runs unmutated once: it must pass,
or the kills below mean nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_rankings_model.py", "tests/test_rankings_windows.py"]

# name -> (file, original text, mutated text, what it breaks)
MUTANTS = {
    "old-vote-hour": (
        "service/store/lua/vote_ranked.lua",
        "ops[#ops + 1] = {RK_MOOD_PREFIX .. old, math.floor(tonumber(old_ts) / RK_HOUR), -1}",
        "ops[#ops + 1] = {RK_MOOD_PREFIX .. old, math.floor(now / RK_HOUR), -1}",
        "a moved or retracted vote leaves the current hour, not the hour it was cast in",
    ),
    "roll-edge": (
        "service/store/lua/rank_lib.lua",
        "local lo, hi = R - L, cur - 1 - L",
        "local lo, hi = R - L, cur - L",
        "the roll lets a window's oldest hour go one hour early",
    ),
    "apply-edge": (
        "service/store/lua/rank_lib.lua",
        "if L < 0 or h >= R - L then",
        "if L < 0 or h > R - L then",
        "an op in a window's oldest hour is not applied to that window",
    ),
    "outbox-drop": (
        "service/store/rankings.py",
        "            else:\n                self._owe(site, article, now)\n",
        "            else:\n                done += [entry.field for entry in entries]\n",
        "a fold that failed (a scope's master away) is cleared from the outbox all the same",
    ),
    "outbox-replay": (
        "service/store/lua/rank_pend.lua",
        "  if seq > last then",
        "  if seq > 0 then",
        "an outbox entry folded before is folded again (a retry after a lost reply)",
    ),
}


def copy_tree(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def mutate(tree: Path, name: str) -> None:
    path, old, new, _ = MUTANTS[name]
    target = tree / path
    text = target.read_text()
    if text.count(old) != 1:
        raise SystemExit(f"mutant {name}: {old!r} occurs {text.count(old)} times in {path}, "
                         "not once; update tools/mutants.py to the code")
    target.write_text(text.replace(old, new))


def run_tests(tree: Path, seed: int, extra: list[str]) -> tuple[int, list[str], float]:
    """Run TESTS in `tree`; return pytest's exit code, the failed test ids and seconds."""
    env = dict(os.environ, PYTHONPATH=str(tree),
               HYPOTHESIS_STORAGE_DIRECTORY=str(tree / ".hypothesis"))
    # the copy, not the editable install, must be what the tests import
    where = subprocess.run([sys.executable, "-c", "import service; print(service.__file__)"],
                           cwd=tree, env=env, check=True, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(tree)), where.stdout
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider",
                          f"--hypothesis-seed={seed}", "--hypothesis-profile=mutants",
                          *extra, *TESTS], cwd=tree, env=env, capture_output=True, text=True)
    failed = re.findall(r"^FAILED (\S+)", out.stdout, re.M)
    if out.returncode not in (0, 1):
        raise SystemExit(f"pytest could not run (exit {out.returncode}):\n{out.stdout[-3000:]}"
                         f"\n{out.stderr[-3000:]}")
    return out.returncode, failed, time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mutants", nargs="*", help="names (default: all)")
    parser.add_argument("-n", "--runs", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--no-check", dest="check", action="store_false",
                        help="skip the unmutated run")
    parser.add_argument("--list", action="store_true")
    args, extra = parser.parse_known_args(argv)
    if args.list:
        for name, (path, _, _, what) in MUTANTS.items():
            print(f"{name:15} {path}: {what}")
        return 0
    names = args.mutants or list(MUTANTS)
    unknown = set(names) - set(MUTANTS)
    if unknown:
        parser.error(f"unknown mutants: {sorted(unknown)}")
    if args.check:
        with tempfile.TemporaryDirectory(prefix="xq-mutant-") as tmp:
            copy_tree(Path(tmp))
            code, failed, took = run_tests(Path(tmp), args.first_seed, extra)
            print(f"unmutated: {'pass' if code == 0 else 'FAIL ' + ' '.join(failed)} "
                  f"({took:.0f} s)", flush=True)
            if code != 0:
                return 2
    all_killed = True
    for name in names:
        kills, by_file = 0, {test: 0 for test in TESTS}
        for run in range(args.runs):
            seed = args.first_seed + run
            with tempfile.TemporaryDirectory(prefix="xq-mutant-") as tmp:
                copy_tree(Path(tmp))
                mutate(Path(tmp), name)
                code, failed, took = run_tests(Path(tmp), seed, extra)
            kills += code == 1
            for test in TESTS:
                by_file[test] += any(f.startswith(test) for f in failed)
            print(f"{name} seed {seed}: {'killed' if code == 1 else 'SURVIVED'} "
                  f"({took:.0f} s) {len(failed)} failed: {' '.join(sorted(failed))}",
                  flush=True)
        all_killed &= kills == args.runs
        files = ", ".join(f"{Path(t).name} {n}/{args.runs}" for t, n in by_file.items())
        print(f"== {name}: killed in {kills}/{args.runs} runs ({files})", flush=True)
    return 0 if all_killed else 1


if __name__ == "__main__":
    sys.exit(main())
