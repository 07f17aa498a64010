"""`make run`'s path: `xinqing serve` with no XINQING_REDIS_URL shares one embedded store across
workers, creates the demo site and prints the README's walk-through, which works as printed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import requests

from conftest import ROOT, GunicornServer, wait_for
from service.walkthrough import COMMANDS, for_banner, for_readme

XINQING = str(Path(sys.executable).with_name("xinqing"))


def commands(script: str) -> list[str]:
    """The script's commands, continuation lines joined, comments and blanks left out."""
    joined = script.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_readme_quotes_the_walkthrough_the_banner_prints():
    assert for_readme() in (ROOT / "README.md").read_text(), \
        "README's curl walk-through differs from service/walkthrough.py"


def test_embedded_serve_banner_walkthrough_works_on_one_shared_store():
    server = GunicornServer({"XINQING_LOG_FORMAT": "text"}, workers=3,
                            command=[XINQING, "serve"], app=None, wait=False)
    try:
        server.wait_ready()
        wait_for(lambda: "editor token:" in server.output(), timeout=10, what="banner")
        banner = server.output()
        assert "EMBEDDED store" in banner
        editor = re.search(r"editor token: (\S+)", banner).group(1)
        admin = re.search(r"admin token : (\S+)", banner).group(1)
        script = for_banner(server.url, editor, admin)
        assert script in banner, "the banner lacks lines of the README's walk-through"

        # Run every line as printed; each curl prints one JSON answer, none an error.
        lines = commands(script)
        runnable = "set -e\n" + "\n".join(
            line + "; echo" if line.startswith("curl ") else line for line in lines)
        out = subprocess.run(["bash", "-c", runnable], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        answers = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
        assert len(answers) == sum(line.startswith("curl ") for line in lines)
        failed = [a for a in answers if "error" in a]
        assert not failed, failed
        reaction = answers[0]
        assert reaction["mine"] == "happy" and reaction["counts"]["happy"] == 1

        # every worker sees the same store: many fresh connections land on several workers
        totals = {requests.get(f"{server.url}/v1/sites/demo/articles/38012345",
                               headers={"Connection": "close"}, timeout=5)
                  .json()["reactions"]["total"] for _ in range(30)}
        assert totals == {1}
    finally:
        server.stop()


def test_walkthrough_commands_use_only_the_banner_variables():
    used = set(re.findall(r"\$([A-Z_]+)", COMMANDS))
    assert used <= {"B", "TOKEN", "EDITOR_TOKEN", "ADMIN_TOKEN"}, used
