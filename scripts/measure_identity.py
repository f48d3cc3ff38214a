"""Measure notice identity's text threshold: similarity of same-notice pairs against different-notice pairs.

    python scripts/measure_identity.py [--no-doc] [--scans N] [--out DIR]

Same-notice pairs: each of the 5 seeds and 36 dev-corpus notices as text against its renderings
(PDF by scripts/render_pdfs.py; HTML UTF-8 and GB2312 pages, .docx and .doc by
scripts/render_formats.py; a scan, rasterised and read back by OCR, when the OCR reader and
scripts/render_scans.py are present: slow, so only --scans N notices). Different-notice pairs:
every pair of different notices, and the hardest kind, the same county in another year: each
notice with its years (and the dates, fees and document number) moved as scripts/gen_synthetic.py
moves them, the county kept, plus 阳城县 2024 against 2025 (tests/fixtures). Prints, per kind of
pair, the distribution of `diff.identity.similarity` (and of its words and figures parts), the
gap between the groups and the threshold in its middle.
"""
from __future__ import annotations

import argparse
import importlib
import itertools
import pathlib
import random
import shutil
import statistics
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def _script(name: str):
    return importlib.import_module(name)  # scripts/ is on sys.path


def notices() -> list[pathlib.Path]:
    return sorted((ROOT / "corpus").glob("*.txt")) + sorted((ROOT / "tests" / "devcorpus" / "notices").glob("*.txt"))


def next_year(text: str, rng: random.Random, delta: int) -> str:
    """The notice another year: every year, the document number and the fee moved, county kept."""
    gen = _script("gen_synthetic")
    text = gen.YEAR.sub(lambda m: str(int(m[1]) + delta), text)
    text = gen.DOCNO.sub(lambda m: f"〔{int(m[1]) + delta}〕{rng.randint(1, 199)}号", text)
    text = gen.FEE.sub(lambda m: f"{m[1]}{int(m[2]) + 20 * delta}{m[3]}", text)
    return gen.TABLE_ROW.sub(lambda m: f"{m[1]}{max(1, int(int(m[2]) * rng.uniform(0.97, 1.03)))}{m[3]}", text)


def describe(name: str, scores: list[float]) -> str:
    if not scores:
        return f"{name:<34} (none)"
    q = statistics.quantiles(scores, n=20) if len(scores) > 1 else [scores[0]] * 19
    return (f"{name:<34} n={len(scores):<4} min={min(scores):.3f} p5={q[0]:.3f} median={statistics.median(scores):.3f}"
            f" p95={q[-1]:.3f} max={max(scores):.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-doc", action="store_true", help="skip the .doc renderings (LibreOffice)")
    ap.add_argument("--scans", type=int, default=0, help="also scan and OCR this many notices")
    ap.add_argument("--out", type=pathlib.Path, help="keep the renderings here")
    args = ap.parse_args()

    from noticeflow.diff.identity import THRESHOLD, fingerprint, similarity_parts
    from noticeflow.flows.extract import extract_file

    tmp = pathlib.Path(args.out or tempfile.mkdtemp(prefix="noticeflow-identity-"))
    fmt, pdfs = _script("render_formats"), _script("render_pdfs")
    pdfs.pdfmetrics.registerFont(pdfs.UnicodeCIDFont(pdfs.FONT))
    rendered: dict[str, dict[str, pathlib.Path]] = {}
    docx = []
    for txt in notices():
        made = fmt.render_all(txt, tmp)
        rendered[txt.stem] = {"txt": made["txt"][0], "html": made["html-utf8"][0], "htm": made["html-gb2312"][0],
                              "docx": made["docx"][0]}
        docx += made["docx"]
        pdf = tmp / "pdf" / f"{txt.stem}.pdf"
        pdf.parent.mkdir(exist_ok=True)
        pdfs.render(made["txt"][0], pdf)
        rendered[txt.stem]["pdf"] = pdf
    if not args.no_doc and shutil.which("soffice"):
        for p in fmt.to_doc(docx, tmp / "doc"):
            rendered[p.stem]["doc"] = p
    if args.scans:
        scans = ROOT / "scripts" / "render_scans.py"
        if not scans.exists():
            print("no scripts/render_scans.py (OCR not on this branch): scans skipped", file=sys.stderr)
        else:
            render_scan = _script("render_scans")
            for stem in list(rendered)[: args.scans]:
                (tmp / "scan").mkdir(exist_ok=True)
                scan, photo = render_scan.render(rendered[stem]["txt"], tmp / "scan")
                rendered[stem]["scan"], rendered[stem]["photo"] = scan, photo

    prints: dict[tuple[str, str], object] = {}
    for stem, by_fmt in rendered.items():
        for f, path in by_fmt.items():
            try:
                prints[(stem, f)] = fingerprint(extract_file(path).model_dump(mode="json"))
            except Exception as e:  # a rendering the readers refuse is reported, not measured
                print(f"{path}: {e}", file=sys.stderr)

    def parts(a, b) -> tuple[float, float, float]:
        w, f = similarity_parts(a, b)
        return min(w, f), w, f

    same: dict[str, list[tuple]] = {}
    for (stem, f), fp in prints.items():
        if f != "txt" and (stem, "txt") in prints:
            same.setdefault(f"same notice, txt vs {f}", []).append(parts(prints[(stem, "txt")], fp))
    texts = {stem: fp for (stem, f), fp in prints.items() if f == "txt"}
    different = {"different notices (all pairs)": [parts(a, b) for a, b in itertools.combinations(texts.values(), 2)]}
    rng = random.Random(7)
    years = []
    for stem, by_fmt in rendered.items():
        text = by_fmt["txt"].read_text(encoding="utf-8")
        for delta in (1, -1, 2):
            other = tmp / "years" / f"{stem}_{delta:+d}.txt"
            other.parent.mkdir(exist_ok=True)
            other.write_text(next_year(text, rng, delta), encoding="utf-8")
            fp = fingerprint(extract_file(other).model_dump(mode="json"))
            years.append(parts(texts[stem], fp))
    pair = [fingerprint(extract_file(p).model_dump(mode="json")) for p in
            (ROOT / "corpus" / "003_aea4e45528ea7e5a.txt", ROOT / "tests" / "fixtures" / "yangcheng_2025.txt")]
    years.append(parts(*pair))
    different["same county, another year"] = years

    print(f"renderings in {tmp}; similarity = min(words, figures)\n")
    for group in (same, different):
        for name, rows in group.items():
            print(describe(name, [r[0] for r in rows]))
            print(describe("   words part", [r[1] for r in rows]))
            print(describe("   figures part", [r[2] for r in rows]))
        print()
    lo = min(r[0] for rows in same.values() for r in rows)
    hi = max(r[0] for rows in different.values() for r in rows)
    print(f"lowest same-notice score {lo:.3f}, highest different-notice score {hi:.3f}: "
          + (f"gap {lo - hi:.3f}, middle {(lo + hi) / 2:.3f}" if lo > hi else "THE GROUPS OVERLAP"))
    print(f"diff.identity.THRESHOLD = {THRESHOLD}")
    if not args.out:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if lo >= THRESHOLD > hi else 1


if __name__ == "__main__":
    sys.exit(main())
