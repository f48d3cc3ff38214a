"""Decoding: strict decoders first (BOM, UTF-8, GB18030), statistical detection last and flagged."""
from __future__ import annotations

import hashlib

import pytest

from conftest import ROOT
from noticeflow.extractors.canonical import canonicalize
from noticeflow.readers import read_document
from noticeflow.readers.text import decode_strict
from noticeflow.schemas.errors import InputError

SEED = ROOT / "corpus" / "000_beb0d831110dae00.txt"
TEXT = SEED.read_text(encoding="utf-8")
TRADITIONAL = ("關於做好2023年度城鄉居民基本醫療保險徵繳工作的通知\n"
               "各鄉鎮人民政府，縣直有關單位：現就做好我縣城鄉居民醫療保險徵繳工作通知如下。"
               "個人繳費標準為每人每年350元。\n") * 4


@pytest.mark.parametrize(
    "data, encoding",
    [
        pytest.param(TEXT.encode("utf-8"), "utf-8", id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig", id="utf-8-bom"),
        pytest.param(TEXT.encode("utf-16"), "utf-16", id="utf-16-bom"),
        pytest.param(b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16", id="utf-16-be-bom"),
        pytest.param(TEXT.encode("utf-32"), "utf-32", id="utf-32-bom"),
        pytest.param(TEXT.encode("gb18030"), "gb18030", id="gb18030"),
        pytest.param(TEXT.encode("gbk"), "gb18030", id="gbk-read-as-superset"),
    ],
)
def test_strict_decoding(tmp_path, data, encoding) -> None:
    p = tmp_path / "n.txt"
    p.write_bytes(data)
    doc = read_document(p)
    assert (doc.source.encoding, doc.source.format, doc.source.pages) == (encoding, "txt", None)
    assert canonicalize(doc.raw_text) == canonicalize(TEXT)
    assert doc.flags == []


def test_source_and_doc_id(tmp_path) -> None:
    p = tmp_path / "n.txt"
    data = TEXT.encode("gb18030")
    p.write_bytes(data)
    doc = read_document(p)
    assert doc.doc_id == hashlib.sha256(data).hexdigest()
    assert (doc.source.path, doc.source.size_bytes) == (str(p), len(data))


def test_utf16_without_bom_is_detected_and_flagged(tmp_path) -> None:
    p = tmp_path / "n.txt"
    p.write_bytes(TEXT.encode("utf-16-le"))
    doc = read_document(p)
    assert doc.source.encoding == "utf-16-le"
    assert canonicalize(doc.raw_text) == canonicalize(TEXT)
    assert [(f.code, f.severity) for f in doc.flags] == [("decoding_fallback", "info")]


def test_big5_falls_back_to_detection(tmp_path) -> None:
    p = tmp_path / "n.txt"
    p.write_bytes(TRADITIONAL.encode("big5"))
    doc = read_document(p)
    assert doc.source.encoding == "big5"
    assert doc.raw_text == TRADITIONAL
    assert [f.code for f in doc.flags] == ["decoding_fallback"]


def test_big5_bytes_are_not_taken_for_gb18030() -> None:
    """Big5 bytes happen to decode as GB18030 into rare characters; that is no proof."""
    data = TRADITIONAL.encode("big5")
    data.decode("gb18030")  # the trap: this does not raise
    assert decode_strict(data) is None


def test_txt_holding_pdf_bytes_is_read_as_pdf(tmp_path) -> None:
    from test_bad_input import make_pdf

    pdf = make_pdf(tmp_path / "x.pdf", ["关于做好2024年度城乡居民基本医疗保险征缴工作的通知"])
    p = tmp_path / "n.txt"
    p.write_bytes(pdf.read_bytes())
    doc = read_document(p)
    assert (doc.source.format, doc.source.encoding, doc.source.pages) == ("pdf", None, 1)
    assert doc.raw_text.strip() == "关于做好2024年度城乡居民基本医疗保险征缴工作的通知"


def test_crlf_and_bom_text_canonicalises_like_lf(tmp_path) -> None:
    p = tmp_path / "n.txt"
    p.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert canonicalize(read_document(p).raw_text) == canonicalize(TEXT)


def test_directory_given_as_file(tmp_path) -> None:
    with pytest.raises(InputError, match=r": is a directory, not a notice file$"):
        read_document(tmp_path)


@pytest.mark.parametrize("data, encoding", [
    pytest.param(TEXT.encode("utf-8")[:300] + b"\x00" + TEXT.encode("utf-8")[300:], "utf-8", id="one-nul-byte"),
    pytest.param(TEXT.encode("utf-8") + "附件：征缴任务分解表（另用GBK保存的一段）\n".encode("gbk"), "utf-8+gb18030",
                 id="utf8-with-a-gbk-paragraph"),
    pytest.param("关于做好征缴工作的通知\n".encode("gbk") + TEXT.encode("utf-8"), "gb18030+utf-8", id="gbk-line-first"),
])
def test_recoverable_text_is_decoded_line_by_line_and_flagged(tmp_path, data, encoding) -> None:
    p = tmp_path / "n.txt"
    p.write_bytes(data)
    doc = read_document(p)
    assert doc.source.encoding == encoding
    assert "\x00" not in doc.raw_text and "\ufffd" not in doc.raw_text
    assert "现就做好我县2023年度城乡居民基本医疗保险征缴工作通知如下" in doc.raw_text
    assert [(f.code, f.severity) for f in doc.flags] == [("decoding_fallback", "info")]
    assert "逐行解码" in doc.flags[0].message


@pytest.mark.parametrize("data", [
    pytest.param(bytes(range(256)) * 16, id="every-byte"),
    pytest.param(TEXT.encode("utf-8")[:2000] + bytes(400), id="text-then-nul-padding"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, id="png-named-txt"),
])
def test_real_binaries_are_still_refused(tmp_path, data) -> None:
    p = tmp_path / "n.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as e:
        read_document(p)
    assert e.value.reason == "binary file, not text"
