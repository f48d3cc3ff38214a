"""Render notices as a scanner or a phone gives them: image-only PDFs and PNG photos.

Why: the OCR reader must give the extractors the same facts as the text. The layout is
scripts/render_pdfs.py's (A4, indented justified paragraphs, centred headings, a folio, the quota
table ruled), drawn glyph by glyph with Noto Serif CJK SC (Debian's fonts-noto-cjk). Each page is then rotated by up to ±1°, speckled with dust and
toner noise and slightly blurred, as a flatbed scan or a photo is. A scan is one page image per
PDF page; a photo is the pages stacked into one long PNG, as county WeChat accounts post them.

usage: python scripts/render_scans.py OUT_DIR NOTICE.txt...   (writes <stem>.pdf and <stem>.png)
"""
from __future__ import annotations

import io
import pathlib
import random
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import render_pdfs  # noqa: E402

SCAN_DPI = 200
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"  # Debian's fonts-noto-cjk
CJK_FACE = 2                    # the .ttc's faces: JP, KR, SC, TC, HK


def page_images(txt: pathlib.Path, dpi: int = SCAN_DPI) -> list[np.ndarray]:
    """The notice laid out as render_pdfs lays it out, one clean grayscale image per page: every
    glyph drawn at its place in the PDF with Noto Serif CJK SC (a rasteriser left to pick a face
    of the .ttc takes the Japanese one, whose glyph forms differ), every rule drawn as a line."""
    import pdfplumber
    from PIL import Image, ImageDraw
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    from noticeflow.readers import read_document

    pdfmetrics.registerFont(UnicodeCIDFont(render_pdfs.FONT))
    k = dpi / 72
    pages = []
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / (txt.stem + ".txt")
        src.write_text(read_document(txt).raw_text, encoding="utf-8")  # some notices are GB18030
        pdf = pathlib.Path(tmp) / "clean.pdf"
        render_pdfs.render(src, pdf)
        with pdfplumber.open(pdf) as doc:
            for page in doc.pages:
                im = Image.new("L", (round(float(page.width) * k), round(float(page.height) * k)), 255)
                draw = ImageDraw.Draw(im)
                for e in page.edges:
                    width = max(1, round(float(e.get("linewidth") or 0.6) * k))
                    draw.line([(e["x0"] * k, e["top"] * k), (e["x1"] * k, e["bottom"] * k)], fill=0, width=width)
                for c in page.chars:
                    x, y = c["matrix"][4], float(page.height) - c["matrix"][5]  # the glyph's baseline origin
                    draw.text((x * k, y * k), c["text"], font=_font(round(c["size"] * k)), fill=0, anchor="ls")
                pages.append(np.asarray(im))
                page.close()
    return pages


_FONTS: dict[int, object] = {}


def _font(px: int):
    from PIL import ImageFont

    if px not in _FONTS:
        _FONTS[px] = ImageFont.truetype(CJK_FONT, px, index=CJK_FACE)
    return _FONTS[px]


def degrade(page: np.ndarray, rng: random.Random) -> np.ndarray:
    """Rotate ±1°, blur a little, add paper grain and dust specks."""
    import cv2

    h, w = page.shape
    angle = rng.uniform(-1.0, 1.0)
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(page, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    img = cv2.GaussianBlur(img, (3, 3), 0.7)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    img = img.astype(np.int16) + nrng.normal(0, 8, img.shape).astype(np.int16)  # grain
    specks = nrng.random(img.shape) < 0.0015                                      # dust
    img[specks] = nrng.integers(0, 90, int(specks.sum()))
    return np.clip(img, 0, 255).astype(np.uint8)


def scan_pdf(pages: list[np.ndarray], out: pathlib.Path, dpi: int = SCAN_DPI) -> None:
    from PIL import Image

    ims = [Image.fromarray(p, "L") for p in pages]
    ims[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=ims[1:])


def photo_png(pages: list[np.ndarray], out: pathlib.Path) -> None:
    from PIL import Image

    Image.fromarray(np.vstack(pages), "L").save(out, "PNG", optimize=False, compress_level=6)


def render(txt: pathlib.Path, out_dir: pathlib.Path, seed: int = 0) -> tuple[pathlib.Path, pathlib.Path]:
    """<stem>.pdf (scan) and <stem>.png (photo) of one notice, in out_dir."""
    rng = random.Random(f"{txt.stem}:{seed}")
    clean = page_images(txt)
    pdf, png = out_dir / f"{txt.stem}.pdf", out_dir / f"{txt.stem}.png"
    scan_pdf([degrade(p, rng) for p in clean], pdf)
    photo_png([degrade(p, rng) for p in clean], png)
    return pdf, png


def main(argv: list[str]) -> None:
    out = pathlib.Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name in argv[1:]:
        pdf, png = render(pathlib.Path(name), out)
        print(f"{name} -> {pdf.name} ({pdf.stat().st_size} bytes), {png.name} ({png.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
