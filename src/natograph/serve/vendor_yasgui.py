#!/usr/bin/env python3
"""Vendor YASGUI (npm @zazuko/yasgui) into the package's static files, or check the vendored copy.

    python -m natograph.serve.vendor_yasgui           # check the files against SHA256SUMS (no network)
    python -m natograph.serve.vendor_yasgui --fetch   # npm pack the pinned version, verify it, copy its build in

`--fetch` downloads the package with `npm pack` (the npm registry only), verifies the tarball against the
integrity the registry published for the pinned version (pinned below, so a changed upstream file fails),
copies build/yasgui.min.js and build/yasgui.min.css, and rewrites SHA256SUMS. To move to another version,
change VERSION and INTEGRITY (from `npm view @zazuko/yasgui@<version> dist.integrity`) and run --fetch.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@zazuko/yasgui"
VERSION = "4.6.2"
INTEGRITY = "sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw=="
FILES = ("build/yasgui.min.js", "build/yasgui.min.css")
TARGET = Path(__file__).resolve().parent / "static" / "vendor" / "yasgui"
SUMS = TARGET / "SHA256SUMS"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check() -> int:
    """0 if every vendored file matches SHA256SUMS, 1 (naming the file) otherwise."""
    expected = dict(reversed(line.split(maxsplit=1)) for line in SUMS.read_text().splitlines() if line.strip())
    failures = [name for name, digest in expected.items()
                if not (TARGET / name).exists() or sha256(TARGET / name) != digest]
    for name in failures:
        print(f"vendor_yasgui: {TARGET / name} does not match SHA256SUMS", file=sys.stderr)
    if not failures:
        print(f"vendor_yasgui: {PACKAGE}@{VERSION}: {len(expected)} files match SHA256SUMS")
    return 1 if failures else 0


def fetch() -> int:
    """Download the pinned version with npm pack, verify its integrity, copy its build files in."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{VERSION}", "--pack-destination", work], check=True,
                       stdout=subprocess.DEVNULL)
        (tarball,) = Path(work).glob("*.tgz")
        algorithm, _, wanted = INTEGRITY.partition("-")
        got = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
        if got != wanted:
            print(f"vendor_yasgui: {tarball.name} has {algorithm} {got}, not the pinned {wanted}", file=sys.stderr)
            return 1
        with tarfile.open(tarball) as archive:
            for name in FILES:
                member = archive.extractfile(f"package/{name}")
                (TARGET / Path(name).name).write_bytes(member.read())
    SUMS.write_text("".join(f"{sha256(TARGET / Path(n).name)}  {Path(n).name}\n" for n in FILES))
    return check()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetch", action="store_true", help="npm pack the pinned version and copy its build in")
    return fetch() if parser.parse_args().fetch else check()


if __name__ == "__main__":
    sys.exit(main())
