"""The vocabularies and division table load, are consistent, and compile into patterns."""
from __future__ import annotations

import collections

import regex as re

from noticeflow.extractors import vocab


def test_categories_have_unique_aliases() -> None:
    terms = vocab.categories()
    owners = collections.defaultdict(set)
    for t in terms:
        owners[t.alias].add(t.name)
    clashes = {a: n for a, n in owners.items() if len(n) > 1}
    assert not clashes
    assert {"特困人员", "低保对象", "返贫致贫人口", "监测对象"} <= {t.name for t in terms}


def test_departments_levels() -> None:
    terms = vocab.departments()
    assert {t.level for t in terms} == {"county", "township"}
    assert next(t for t in terms if t.alias == "医保局").name == "医疗保障局"


def test_vocab_compiles_into_one_alternation() -> None:
    for terms in (vocab.categories(), vocab.departments()):
        pat = re.compile("|".join(re.escape(t.alias) for t in terms))
        assert all(pat.fullmatch(t.alias) for t in terms)


def test_division_table() -> None:
    divs = vocab.divisions()
    assert len(divs) > 2800
    codes = [d.adcode for d in divs]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    by_code = {d.adcode: d for d in divs}
    assert (by_code["140929"].province, by_code["140929"].city, by_code["140929"].county) == ("山西省", "忻州市", "岢岚县")


def test_word_lists_hold_only_words() -> None:
    """A word written `成员单位:` inside a YAML flow list becomes a mapping, not a word: every
    word list of the extractors' term files must hold strings only."""
    import yaml

    for f in sorted(vocab.DATA.glob("*_terms.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))

        def walk(node, path):
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{path}.{k}")
            elif isinstance(node, list) and node and not all(isinstance(x, dict) for x in node):
                bad = [x for x in node if not isinstance(x, (str, int, float))]
                assert not bad, f"{f.name}{path}: {bad!r} is not a word (quote it)"
        walk(doc, "")
