"""The vendored YASGUI is the pinned npm build, unchanged: its files match SHA256SUMS, and the package ships them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "natograph" / "serve" / "static" / "vendor" / "yasgui"


def test_the_vendored_files_match_their_checksums():
    check = subprocess.run([sys.executable, "-m", "natograph.serve.vendor_yasgui"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "2 files match SHA256SUMS" in check.stdout


def test_a_changed_file_fails_the_check(tmp_path):
    script = (ROOT / "src" / "natograph" / "serve" / "vendor_yasgui.py").read_text()
    copy = tmp_path / "vendor"
    copy.mkdir()
    for name in ("yasgui.min.js", "yasgui.min.css", "SHA256SUMS"):
        (copy / name).write_bytes((VENDOR / name).read_bytes())
    (copy / "yasgui.min.css").write_bytes((VENDOR / "yasgui.min.css").read_bytes() + b"/* changed */")
    patched = tmp_path / "vendor_yasgui.py"
    patched.write_text(script.replace('TARGET = Path(__file__).resolve().parent / "static" / "vendor" / "yasgui"',
                                      f"TARGET = Path({str(copy)!r})"))
    check = subprocess.run([sys.executable, str(patched)], capture_output=True, text=True)
    assert check.returncode == 1 and "yasgui.min.css does not match" in check.stderr


def test_the_licence_and_the_refresh_notes_are_there():
    assert "MIT License" in (VENDOR / "LICENSE").read_text()
    assert "npm pack" in (VENDOR / "README.md").read_text()
