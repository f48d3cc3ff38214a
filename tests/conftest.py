import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    """Debian's Chromium for Playwright; skipped where absent, a failure where CI requires it."""
    import os

    import pytest

    path = pathlib.Path("/usr/bin/chromium")
    if not path.exists():
        if os.environ.get("NOTICEFLOW_REQUIRE_BROWSER"):
            pytest.fail("NOTICEFLOW_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    return str(path)
