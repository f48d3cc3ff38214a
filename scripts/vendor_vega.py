"""Re-vendor the JavaScript of the analyst report: Vega, Vega-Lite and vega-embed from the npm registry.

    python scripts/vendor_vega.py            # the pinned versions below
    python scripts/vendor_vega.py --check    # only verify the vendored files against VERSIONS.json

`npm pack` fetches each package's tarball; its UMD build (`build/<name>.min.js`, which defines
the browser globals `vega`, `vegaLite`, `vegaEmbed`) and its LICENSE are copied into
warehouse/vendor/, and VERSIONS.json records the versions and each file's sha256, so
`noticeflow report` inlines exactly these bytes into the page (it works offline, mailed).
Bump a version here, run the script, and commit the result.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENDOR = ROOT / "warehouse" / "vendor"
# package -> (version, UMD build inside the tarball), in the order the page loads them.
# vega 6.3.0's build/vega.min.js is a stale 5.33.1 build (vega-embed then warns that the spec
# wants Vega 6): 6.2.0 is the newest whose UMD build is what its version says.
PINNED = {
    "vega": ("6.2.0", "build/vega.min.js"),
    "vega-lite": ("6.5.0", "build/vega-lite.min.js"),
    "vega-embed": ("7.3.0", "build/vega-embed.min.js"),
}


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(tmp: pathlib.Path) -> dict:
    manifest = {}
    for name, (version, build) in PINNED.items():
        out = subprocess.run(["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(tmp)],
                             capture_output=True, text=True, cwd=tmp, timeout=600)
        if out.returncode != 0:
            sys.exit(f"npm pack {name}@{version} failed: {out.stderr.strip().splitlines()[-1:]}")
        info = json.loads(out.stdout)[0]
        with tarfile.open(tmp / info["filename"]) as tar:
            for member, target in ((f"package/{build}", f"{name}.min.js"), ("package/LICENSE", f"{name}.LICENSE")):
                src = tar.extractfile(member)
                if src is None:
                    sys.exit(f"{name}@{version}: no {member} in the tarball")
                with open(VENDOR / target, "wb") as f:
                    shutil.copyfileobj(src, f)
        manifest[name] = {"version": version, "integrity": info.get("integrity"),
                          "files": {t: sha256(VENDOR / t) for t in (f"{name}.min.js", f"{name}.LICENSE")}}
    return manifest


def check() -> int:
    manifest = json.loads((VENDOR / "VERSIONS.json").read_text(encoding="utf-8"))
    bad = [f for pkg in manifest.values() for f, h in pkg["files"].items()
           if not (VENDOR / f).exists() or sha256(VENDOR / f) != h]
    for f in bad:
        print(f"warehouse/vendor/{f}: missing or changed since it was vendored", file=sys.stderr)
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify the vendored files, fetch nothing")
    args = ap.parse_args()
    if args.check:
        return check()
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="noticeflow-vendor-") as tmp:
        manifest = fetch(pathlib.Path(tmp))
    (VENDOR / "VERSIONS.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    for name, m in manifest.items():
        print(f"{name} {m['version']}: {', '.join(m['files'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
