"""Extraction throughput per format on one process: the notices rendered as county-site pages
(UTF-8, GB2312) and Word `.docx` files, read and extracted end to end.

Why: a crawl of county sites is mostly article pages and Word attachments; the readers must
keep up with the text path (goal: >= 100 docs/s on one core). `--doc` adds legacy `.doc`
(LibreOffice-bound: seconds per file, reported per file). `--compare` measures trafilatura's
main-content step against readers/html.py on the same pages: macro-F1 of the extracted records
against the gold, table rows kept, milliseconds per page.

usage: taskset -c 0 python scripts/bench_formats.py [--docs 300] [--doc] [--compare] [notices.txt ...]
(--compare needs `pip install trafilatura lxml_html_clean`; noticeflow itself does not use them)
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_extract  # noqa: E402
import render_formats  # noqa: E402

SHARED = ROOT.parent / "shared"


def default_notices() -> list[pathlib.Path]:
    seeds = sorted((SHARED / "seeds").glob("*.txt")) or sorted((ROOT / "corpus").glob("*.txt"))
    return seeds + sorted((ROOT / "tests" / "devcorpus" / "notices").glob("*.txt"))


def bench(files: list[pathlib.Path], docs: int, label: str) -> None:
    """docs/s of wall time and of CPU time (the machine may be shared: CPU time is what one
    free core would give), and the reader's own share of the wall time."""
    res = bench_extract.run(files, max(docs, len(files)))
    read = res["totals"].get("read", 0.0)
    read_cpu = read_only_cpu(files, max(docs, len(files)))
    print(f"{label:12} {res['docs'] / res['wall']:7.1f} docs/s wall, {res['docs'] / res['cpu']:7.1f} docs/s CPU"
          f"   read {1000 * read / res['docs']:5.2f} ms/doc of {1000 * res['wall'] / res['docs']:6.2f}"
          f"   reading alone {docs / read_cpu:6.0f} docs/s CPU   ({len(files)} distinct files)")


def read_only_cpu(files: list[pathlib.Path], n: int) -> float:
    """CPU seconds `read_document` alone takes for n documents."""
    import itertools

    from noticeflow.readers import read_document

    t0 = time.process_time()
    for path in itertools.islice(itertools.cycle(files), n):
        read_document(path)
    return time.process_time() - t0


def gold_dirs() -> list[pathlib.Path]:
    return [d for d in (SHARED / "gold", ROOT / "tests" / "devcorpus" / "gold") if d.is_dir()]


def macro_f1(records: list[dict], tmp: pathlib.Path) -> tuple[float, str]:
    import re
    import shutil

    gold = tmp / "gold"
    gold.mkdir(parents=True, exist_ok=True)
    stems = {pathlib.Path(r["source"]["path"]).stem for r in records}
    for d in gold_dirs():
        for g in d.glob("*.json"):
            if g.stem in stems:
                shutil.copy(g, gold)
    out = tmp / "records.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    res = subprocess.run([sys.executable, str(SHARED / "tools" / "score.py"), str(gold), str(out)],
                         capture_output=True, text=True, check=True)
    fams = " ".join(f"{m[0]} {float(m[1]):.2f}" for m in re.findall(r"^(\w+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)", res.stdout, re.M)
                    if float(m[1]) < 1)
    return float(re.search(r"macro-F1 ([\d.]+)", res.stdout).group(1)), fams


def compare(pages: list[tuple[pathlib.Path, pathlib.Path]], tmp: pathlib.Path) -> None:
    """trafilatura's extract() against readers/html.py, each text through the same extractors."""
    import hashlib

    import trafilatura

    from noticeflow.extractors.canonical import canonicalize
    from noticeflow.extractors.record import build_record
    from noticeflow.readers import read_document
    from noticeflow.readers.html import decode_html
    from noticeflow.schemas import Source

    def record(path: pathlib.Path, text: str) -> dict:
        data = path.read_bytes()
        src = Source(path=str(path), format="html", encoding="utf-8", size_bytes=len(data))
        return build_record(canonicalize(text), src, hashlib.sha256(data).hexdigest()).model_dump(mode="json")

    rows = {"trafilatura": [0, 0.0, []], "readers.html": [0, 0.0, []]}
    total_rows = 0
    for page, txt in pages:
        source_rows = [ln for ln in canonicalize(txt.read_text(encoding="utf-8")).split("\n") if "\t" in ln]
        total_rows += len(source_rows)
        html, _, _ = decode_html(str(page), page.read_bytes())
        t0 = time.process_time()
        traf = trafilatura.extract(html, output_format="txt", include_tables=True, favor_recall=True,
                                   include_links=False, deduplicate=False) or ""
        t1 = time.process_time()
        ours = read_document(page).raw_text
        t2 = time.process_time()
        for name, text, sec in (("trafilatura", traf, t1 - t0), ("readers.html", ours, t2 - t1)):
            lines = set(canonicalize(text).split("\n"))
            rows[name][0] += sum(1 for r in source_rows if r in lines)
            rows[name][1] += sec
            rows[name][2].append(record(page, text))
    print(f"\nmain-content step on {len(pages)} pages ({total_rows} table rows in their notices), CPU time:")
    for name, (kept, sec, recs) in rows.items():
        f1, low = macro_f1(recs, tmp / name.replace(".", "_"))
        print(f"  {name:13} macro-F1 {f1:.3f}   table rows kept {kept}/{total_rows}   {1000 * sec / len(pages):5.1f} ms/page"
              + (f"   below 1: {low}" if low else ""))
    spans = render_formats.to_html(_SPAN_NOTICE, "utf-8")
    p = tmp / "spans.html"
    p.write_bytes(spans.replace(b'<td valign="middle"><p style="text-align:center">1</p></td>',
                                b'<td rowspan="2" valign="middle"><p style="text-align:center">1</p></td>', 1)
                  .replace(b'<td valign="middle"><p style="text-align:center">2</p></td>', b"", 1))
    traf = trafilatura.extract(p.read_text(encoding="utf-8"), output_format="txt", include_tables=True,
                               favor_recall=True) or ""
    print("  a rowspan cell (序号 1 over two rows), the rows as each reads them:")
    print("    trafilatura:  " + " / ".join(ln for ln in canonicalize(traf).split("\n") if "\t" in ln)[:200])
    print("    readers.html: " + " / ".join(ln for ln in canonicalize(read_document(p).raw_text).split("\n") if "\t" in ln)[:200])


_SPAN_NOTICE = """关于做好2024年度城乡居民基本医疗保险征缴工作的通知
各乡镇人民政府：现将2024年度城乡居民基本医疗保险征缴任务分解如下，请各乡镇按照任务数抓好落实，确保按时完成征缴任务。个人缴费标准为每人每年380元，特困人员由财政全额资助，低保对象按照规定给予定额资助，其他困难群体按照有关规定执行。
序号	乡镇	任务数
1	甲镇	100
2	乙镇	200
合计		300
某某县人民政府办公室
2023年9月1日
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notices", nargs="*", help="plain-text notices to render (default: seeds + dev corpus)")
    ap.add_argument("--docs", type=int, default=300, help="documents per format (default 300)")
    ap.add_argument("--doc", action="store_true", help="also legacy .doc through LibreOffice")
    ap.add_argument("--compare", action="store_true", help="trafilatura against readers/html.py")
    args = ap.parse_args(argv)
    notices = [pathlib.Path(n) for n in args.notices] or default_notices()
    with tempfile.TemporaryDirectory(prefix="nf-bench-formats-") as tmp:
        out = pathlib.Path(tmp)
        made: dict[str, list[pathlib.Path]] = {}
        for txt in notices:
            for fmt, paths in render_formats.render_all(txt, out / "r").items():
                made.setdefault(fmt, []).extend(p for p in paths if p.suffix != ".xlsx")
        print(f"{len(notices)} notices rendered; one process, full extraction (read + canonicalize + extract)")
        for fmt in ("txt", "html-utf8", "html-gb2312", "docx"):
            bench(made[fmt], args.docs, fmt)
        if args.doc:
            from noticeflow.readers import read_document

            from noticeflow.flows.extract import in_batches, plan

            docs = render_formats.to_doc(made["docx"], out / "doc")
            read_document(docs[0])                       # LibreOffice's profile is made once per process
            t0 = time.perf_counter()
            for d in docs[:5]:
                read_document(d)
            one = (time.perf_counter() - t0) / 5
            t0 = time.perf_counter()
            for item in in_batches(plan([out / "doc"])):
                read_document(item.path)
            batched = (time.perf_counter() - t0) / len(docs)
            print(f"{'doc':12} {1 / one:7.2f} docs/s one LibreOffice call per file ({1000 * one:.0f} ms), "
                  f"{1 / batched:.2f} docs/s converted 50 to a call as `extract` does ({1000 * batched:.0f} ms/doc), wall")
        if args.compare:
            pairs = [(p, t) for fmt in ("html-utf8", "html-gb2312") for p, t in zip(made[fmt], made["txt"])]
            compare(pairs, out)


if __name__ == "__main__":
    main()
