"""Builds extractors/data/divisions.csv (county-level GB/T 2260 divisions) from cpca's table.

Run once when the division list needs refreshing: `pip install cpca && python scripts/build_divisions.py`.
cpca (MIT) ships adcodes.csv with 12-digit codes; we keep the 6-digit county level with its
province and city names so extraction needs neither cpca nor its fuzzy matcher at run time.
"""
import csv
import pathlib

import cpca

src = pathlib.Path(cpca.__file__).parent / "resources" / "adcodes.csv"
names = {}
for row in csv.DictReader(src.open(encoding="utf-8")):
    code = row["adcode"][:6]
    if row["adcode"][6:].strip("0") == "":
        names[code] = row["name"]

out = pathlib.Path(__file__).resolve().parents[1] / "extractors" / "data" / "divisions.csv"
with out.open("w", encoding="utf-8", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["adcode", "province", "city", "county"])
    for code in sorted(names):
        if code[4:] == "00" or names[code] == "市辖区":
            continue  # province or city level
        province = names.get(code[:2] + "0000", "")
        city = names.get(code[:4] + "00", "")
        if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            city = ""
        w.writerow([code, province, city, names[code]])
print(out, sum(1 for _ in out.open()) - 1, "divisions")
