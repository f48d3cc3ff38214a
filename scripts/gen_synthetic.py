"""Write N synthetic collection notices varied from the seeds, for benchmarks and tests.

    python scripts/gen_synthetic.py 10000 /tmp/synth [--seed 7]

Each notice starts from one of the seed notices in corpus/ and changes what varies between real
notices: the county (and its province/city, drawn from extractors/data/divisions.csv), the
years (every date shifted together), the individual fee, the wording of a few stock phrases,
the digits' width, the document number, and the figures of the quota table rows.
"""
from __future__ import annotations

import argparse
import csv
import pathlib
import random
import re
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpus"
DIVISIONS = ROOT / "extractors" / "data" / "divisions.csv"

YEAR = re.compile(r"(?<!\d)(20[12]\d)(?=\s*年)")           # a year written before 年
FEE = re.compile(r"(个人缴费标准[^。\n\d]{0,12}?)(\d{3})(\s*元)")  # the individual fee figure
DOCNO = re.compile(r"〔(\d{4})〕(\d{1,3})号")                   # issuing number
TABLE_ROW = re.compile(r"^(\s*\|?\s*\d{1,2}\s*\|?\s*[\u4e00-\u9fff]{2,8}.*?)(\d{3,6})(.*)$", re.M)
WORDING = [  # (as written, variants another county would write)
    ("缴费期限为", ["缴费时间为", "集中缴费期为", "征缴期为"]),
    ("个人缴费标准为", ["个人缴费标准调整为", "个人缴费标准确定为", "个人缴费标准为每人每年"]),
    ("实行全额资助", ["给予全额资助", "个人缴费部分全额资助"]),
    ("各乡(镇)人民政府", ["各乡镇人民政府", "各镇人民政府、街道办事处"]),
    ("现就", ["现将", "特就"]),
]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def load_counties() -> list[dict]:
    with DIVISIONS.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["county"].endswith(("县", "市", "区", "旗"))]
    return rows


def seed_county(text: str, counties: list[dict]) -> str | None:
    """The county the seed is about: the division name it mentions most often."""
    names = Counter()
    for c in counties:
        n = text.count(c["county"])
        if n and len(c["county"]) >= 2:
            names[c["county"]] += n * len(c["county"])
    return names.most_common(1)[0][0] if names else None


def vary(text: str, own: str | None, rng: random.Random, counties: list[dict]) -> str:
    target = rng.choice(counties)
    if own:
        text = text.replace(own, target["county"])
    delta = rng.randint(-3, 3)
    text = YEAR.sub(lambda m: str(int(m[1]) + delta), text)
    text = DOCNO.sub(lambda m: f"〔{int(m[1]) + delta}〕{rng.randint(1, 199)}号", text)
    fee = rng.choice([250, 280, 300, 320, 350, 380, 400, 420])
    text = FEE.sub(lambda m: f"{m[1]}{fee}{m[3]}", text)
    for written, variants in WORDING:
        if written in text and rng.random() < 0.5:
            text = text.replace(written, rng.choice(variants), 1)
    text = TABLE_ROW.sub(
        lambda m: f"{m[1]}{max(1, int(int(m[2]) * rng.uniform(0.8, 1.2)))}{m[3]}", text)
    if rng.random() < 0.1:  # some notices are typed with full-width digits
        text = text.translate(FULL_WIDTH)
    return text


def generate(n: int, out: pathlib.Path, seed: int = 7) -> list[pathlib.Path]:
    rng = random.Random(seed)
    counties = load_counties()
    seeds = [(p, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    own = {p: seed_county(t, counties) for p, t in seeds}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(n):
        path, text = seeds[i % len(seeds)]
        target = out / f"{i // 1000:03d}" / f"synthetic_{i:06d}.txt"
        target.parent.mkdir(exist_ok=True)
        target.write_text(vary(text, own[path], rng, counties), encoding="utf-8")
        written.append(target)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir", type=pathlib.Path)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    files = generate(args.n, args.outdir, args.seed)
    print(f"wrote {len(files)} notices to {args.outdir}")


if __name__ == "__main__":
    main()
