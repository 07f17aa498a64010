"""`make run`'s path: gunicorn with no XINQING_REDIS_URL shares one embedded store across
workers, creates the demo site and prints curl lines that work as printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

from conftest import ROOT, free_port, wait_for


def test_embedded_gunicorn_banner_curl_lines_work():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINQING_")}
    log_path = f"/tmp/xq-embedded-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
             f"127.0.0.1:{port}", "--workers", "3", "service:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "curl -s" in open(log_path).read() and
                 "Booting worker" in open(log_path).read(), timeout=30, what="banner")
        time.sleep(1.0)
        banner = open(log_path).read()
        assert "EMBEDDED store" in banner
        lines = [line.strip() for line in banner.splitlines()
                 if line.strip().startswith(("TOKEN=", "curl "))]
        assert len(lines) >= 5
        script = "set -e\n" + "\n".join(lines[:3]) + "\n" + "\n".join(
            line + "; echo" for line in lines[3:])
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        outputs = [json.loads(x) for x in out.stdout.splitlines() if x.strip().startswith("{")]
        reaction, share, summary, settings = outputs[0], outputs[1], outputs[2], outputs[3]
        assert reaction["mine"] == "happy" and reaction["counts"]["happy"] == 1
        assert share["counts"]["wechat"] == 1
        assert summary["reactions"]["counts"]["happy"] == 1
        assert settings["site"] == "demo"
        # every worker sees the same store: many fresh connections land on several workers
        import requests

        base = f"http://127.0.0.1:{port}"
        totals = {requests.get(f"{base}/v1/sites/demo/articles/38012345", timeout=5)
                  .json()["reactions"]["total"] for _ in range(30)}
        assert totals == {1}
        editor = re.search(r"editor token: (\S+)", banner).group(1)
        assert requests.get(f"{base}/v1/sites/demo/settings",
                            headers={"Authorization": f"Bearer {editor}"}, timeout=5).ok
    finally:
        proc.terminate()
        proc.wait(15)
        os.unlink(log_path)
