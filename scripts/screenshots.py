"""Regenerate the screenshots in docs/ (the tests write theirs to temporary folders).

    python scripts/screenshots.py

Runs the browser acceptance test with NOTICEFLOW_SCREENSHOT_DIR=docs, so the picture shows
exactly the state that test checks (a notice mid-review, a correction highlighted).
"""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    env = {**os.environ, "NOTICEFLOW_SCREENSHOT_DIR": str(ROOT / "docs")}
    test = "tests/test_browser_review.py::test_correct_add_reload_reingest_and_re_review"
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", test], cwd=ROOT, env=env))
