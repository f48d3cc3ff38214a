"""Plain-text notices: strict decoders first (a BOM or a clean decode is proof of the encoding);
statistical detection is the last resort and is flagged, because a wrong guess turns every
character into a different one."""
from __future__ import annotations

import re as _re
from collections import Counter

import regex as re

from noticeflow.schemas.errors import InputError

_GARBAGE_RATIO = 0.05           # control / unassigned / replacement characters a text may hold
_NUL_RATIO = 0.001              # stray NUL bytes a text file may hold (a binary has far more)
_REPLACED_RATIO = 0.01          # characters of a by-line decode that may be U+FFFD
_GB2312_RATIO = 0.8             # share of Han characters a real GB text has in the common set
_BOMS = (                       # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8-sig"),
    (b"\xff\xfe", "utf-16", "utf-16"),
    (b"\xfe\xff", "utf-16", "utf-16"),
)
_HAN = r"\p{Han}"
_HAN_CHAR = re.compile(_HAN)
# Controls (not whitespace), surrogates, private use, U+FFFD and non-characters; stdlib `re`
# because this runs over every character of a file up to 20 MB.
_GARBAGE = _re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\uf8ff\ufffd-\uffff\U000f0000-\U0010ffff]")
_ORDINARY = re.compile(r"[\p{Han}\x20-\x7e\s\u3000-\u303f\uff00-\uffef\u2010-\u2027\u2460-\u24ff\u00b7]")


def decode_text(path: str, data: bytes) -> tuple[str, str, str | None]:
    """Bytes -> (text, encoding, how it was guessed: None when a strict decoder proved it,
    "by_line" when decoded line by line, "detected" otherwise). Strict decoders first."""
    strict = decode_strict(data)
    if strict:
        text, encoding = strict
        guessed = None
    elif by_line := decode_by_line(data):
        text, encoding = by_line
        guessed = "by_line"
    else:
        text, encoding = decode_utf16_without_bom(data) or detect(path, data)
        guessed = "detected"
    if _garbage_share(text) > _GARBAGE_RATIO:
        raise InputError(path, "binary file, not text")
    if not text.replace("\ufeff", "").strip():
        raise InputError(path, "empty file")
    return text, encoding, guessed


def decode_strict(data: bytes) -> tuple[str, str] | None:
    """A BOM, a clean UTF-8 decode or a plausible GB18030 decode; None when none of them holds."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), name
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return (text, "gb18030") if _plausible_gb(text) else None


def _plausible_gb(text: str) -> bool:
    """Big5 or Shift-JIS bytes often decode as GB18030 too, into rare characters; real GB text
    is mostly made of the 6763 common (GB2312) characters."""
    han = Counter(_HAN_CHAR.findall(text))
    if not han:
        return _garbage_share(text) <= _GARBAGE_RATIO
    common = sum(n for ch, n in han.items() if _in_gb2312(ch))
    return common / sum(han.values()) >= _GB2312_RATIO


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def decode_utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Word's "Unicode" export without a BOM: the decode that reads as ordinary text wins."""
    if len(data) % 2 or b"\x00" not in data:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _ordinary_share(text) >= 0.9:
            return text, codec
    return None


def _ordinary_share(text: str) -> float:
    """Han, ASCII, CJK punctuation, full-width forms and whitespace: what a notice is made of."""
    ordinary = _ORDINARY.findall(text)
    return len(ordinary) / len(text) if text else 0.0


def decode_by_line(data: bytes) -> tuple[str, str] | None:
    """A text one bad byte or one pasted-in GBK paragraph keeps from decoding as a whole: each
    line decoded on its own (UTF-8, else GB18030), stray NUL bytes dropped, a line neither
    decodes keeping U+FFFD for its bad bytes. None when that is not a text: too many NULs,
    too many replaced characters, or GB18030 lines that are not plausible GB text (Big5 bytes)."""
    nul = data.count(b"\x00")
    if nul > max(4, _NUL_RATIO * len(data)):
        return None
    used: list[str] = []
    out: list[str] = []
    gb_lines: list[str] = []
    replaced = 0
    for line in data.replace(b"\x00", b"").split(b"\n"):
        try:
            out.append(line.decode("utf-8"))
            if not line.isascii():
                used.append("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        try:
            text = line.decode("gb18030")
            gb_lines.append(text)
            out.append(text)
            used.append("gb18030")
            continue
        except UnicodeDecodeError:
            pass
        text, bad = _decode_mixed_line(line)
        replaced += bad
        out.append(text)
        used += ["utf-8", "gb18030"]
    text = "\n".join(out)
    if replaced > _REPLACED_RATIO * max(1, len(text)) or (gb_lines and not _plausible_gb("".join(gb_lines))):
        return None
    if not nul and not replaced and len(set(used)) < 2:
        return None           # one encoding throughout, clean: the strict decoders' business
    return text, "+".join(dict.fromkeys(used)) or "utf-8"


def _decode_mixed_line(line: bytes) -> tuple[str, int]:
    """One line holding both encodings (a GBK phrase pasted into a UTF-8 line): runs decoded in
    UTF-8 and GB18030 by turns, switching where the current one fails and the other one reads
    on; a byte neither reads becomes U+FFFD. Returns (text, replaced characters)."""
    out: list[str] = []
    i, mode, other, replaced, switched_at = 0, "utf-8", "gb18030", 0, -1
    while i < len(line):
        try:
            out.append(line[i:].decode(mode))
            break
        except UnicodeDecodeError as e:
            out.append(line[i:i + e.start].decode(mode))
            i += e.start
        if i != switched_at and any(_decodes(line[i:i + n], other) for n in (2, 4, 3)):
            mode, other, switched_at = other, mode, i
        else:
            out.append("\ufffd")
            i += 1
            replaced += 1
    return "".join(out), replaced


def _decodes(chunk: bytes, codec: str) -> bool:
    try:
        chunk.decode(codec)
        return bool(chunk)
    except UnicodeDecodeError:
        return False


def detect(path: str, data: bytes) -> tuple[str, str]:
    """charset-normalizer's best guess; NUL bytes outside UTF-16/32 mean a binary file."""
    from charset_normalizer import from_bytes

    if b"\x00" in data:
        raise InputError(path, "binary file, not text")
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(path, "binary file, not text")
    return str(best), best.encoding.replace("_", "-")


def _garbage_share(text: str) -> float:
    """Share of control, private-use and replacement characters (whitespace is fine)."""
    return len(_GARBAGE.findall(text)) / len(text) if text else 0.0
