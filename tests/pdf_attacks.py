"""Crafted PDFs of the adversarial pass (issue 12), written byte by byte (no library writes
them: they are malformed or absurd on purpose)."""
from __future__ import annotations

import pathlib
import struct
import zlib

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def raw_pdf(objects: list[bytes]) -> bytes:
    """Objects 1..n (1 is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _one_page(content: bytes, extra: bytes = b"") -> bytes:
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        FONT,
        _stream(content, extra),
    ])


def reference_loop(path: pathlib.Path) -> pathlib.Path:
    """A content stream whose /Length is an object that is a reference to itself."""
    path.write_bytes(raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        FONT,
        b"<< /Length 6 0 R >>\nstream\nBT /F1 12 Tf 72 720 Td (notice) Tj ET\nendstream",
        b"6 0 R",
    ]))
    return path


def many_text_objects(path: pathlib.Path, n: int = 100_000) -> pathlib.Path:
    content = b"".join(b"BT /F1 4 Tf %d %d Td (a) Tj ET\n" % (20 + i % 500, 20 + i // 500 * 4) for i in range(n))
    path.write_bytes(_one_page(content))
    return path


def inflation_bomb(path: pathlib.Path, size: int = 1 << 30) -> pathlib.Path:
    """A FlateDecode content stream of ~1 MB that inflates to `size` bytes of spaces: one
    compressed 16 MiB piece (self-contained after a full flush) repeated, then a final block and
    the right checksum, so only the size is wrong about it."""
    chunk = b" " * (1 << 24)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    co.compress(chunk)
    co.flush(zlib.Z_FULL_FLUSH)
    piece = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(size // len(chunk)):
        adler = zlib.adler32(chunk, adler)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    data = b"\x78\xda" + piece * (size // len(chunk)) + end + struct.pack(">I", adler)
    path.write_bytes(_one_page(data, b"/Filter /FlateDecode "))
    return path


def many_pages(path: pathlib.Path, n: int = 2_000) -> pathlib.Path:
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(n))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
             b"/Contents %d 0 R >>" % (4 + n)] * n
    path.write_bytes(raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
        FONT,
        *pages,
        _stream(b"BT /F1 12 Tf 72 720 Td (page of a notice) Tj ET"),
    ]))
    return path


def corrupt_checksum(path: pathlib.Path) -> pathlib.Path:
    """A readable page whose Flate stream has a wrong checksum: pdfminer repairs it and logs."""
    z = zlib.compress(b"BT /F1 12 Tf 72 720 Td (Notice text) Tj ET")
    path.write_bytes(_one_page(z[:-4] + bytes(4), b"/Filter /FlateDecode "))
    return path
