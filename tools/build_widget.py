"""Minify the reader widget's sources into what ships (`make widget`; dev only).

    service/web/src/widget/**   readable sources: JavaScript modules, CSS, i18n JSON
    service/web/static/widget/** minified copies, checked in, served content-hashed

JavaScript and CSS go through esbuild (`--minify`, pinned in tools/widget/package.json;
needs node and npm), JSON is re-serialized compactly. `service/web/src/widget.built.json`
records the sha256 of every source and of its built copy; tests/test_widget_build.py
recomputes both, so a source edited without a rebuild, or a built file edited by hand,
fails the suite. Running or testing the service needs none of this.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "service" / "web" / "src" / "widget"
OUT = ROOT / "service" / "web" / "static" / "widget"
RECORD = ROOT / "service" / "web" / "src" / "widget.built.json"
ESBUILD = ROOT / "tools" / "widget" / "node_modules" / ".bin" / "esbuild"
# Classic scripts (count.js is also /xinqing-count.js on its own); every other .js is an ES
# module, so esbuild may rename its top-level names.
CLASSIC = {"count.js"}
BANNER = "/* built by make widget from src/widget/{name} */"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*") if p.is_file() and not p.name.startswith("."))


def minify(path: Path) -> bytes:
    name = path.relative_to(SRC).as_posix()
    if path.suffix == ".json":
        data = json.loads(path.read_text("utf-8"))
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    module = path.suffix == ".js" and name not in CLASSIC
    out = subprocess.run(
        [str(ESBUILD), str(path), "--minify", "--charset=utf8", "--legal-comments=none",
         "--target=es2020", "--log-level=warning", *(["--format=esm"] if module else [])],
        check=True, capture_output=True)
    return (BANNER.format(name=name) + "\n").encode("utf-8") + out.stdout


def main() -> int:
    if not ESBUILD.exists():
        print("esbuild is missing: cd tools/widget && npm ci", file=sys.stderr)
        return 1
    record = {}
    built = set()
    for path in sources():
        name = path.relative_to(SRC).as_posix()
        body = minify(path)
        target = OUT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        built.add(target)
        record[name] = {"source": digest(path.read_bytes()), "built": digest(body)}
        print(f"{name:28} {path.stat().st_size:7d} -> {len(body):7d} bytes")
    for stale in [p for p in OUT.rglob("*") if p.is_file() and p not in built]:
        stale.unlink()
        print(f"removed {stale.relative_to(OUT)} (no source)")
    RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
