"""Render notices as a scanner or a phone gives them: image-only PDFs and PNG photos.

Why: the OCR reader must give the extractors the same facts as the text. The layout is
scripts/render_pdfs.py's (A4, indented justified paragraphs, centred headings, a folio, the quota
table ruled); pdfium rasterises it with the system CJK font (fonts-noto-cjk) standing in for the
PDF's unembedded STSong-Light. Each page is then rotated by up to ±1°, speckled with dust and
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


def page_images(txt: pathlib.Path, dpi: int = SCAN_DPI) -> list[np.ndarray]:
    """The notice laid out as render_pdfs lays it out, one clean grayscale image per page."""
    import pypdfium2 as pdfium
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(render_pdfs.FONT))
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / (txt.stem + ".txt")
        src.write_text(txt.read_text(encoding="utf-8-sig"), encoding="utf-8")
        pdf = pathlib.Path(tmp) / "clean.pdf"
        render_pdfs.render(src, pdf)
        doc = pdfium.PdfDocument(pdf.read_bytes())
        pages = [np.ascontiguousarray(p.render(scale=dpi / 72, grayscale=True).to_numpy()) for p in doc]
        doc.close()
    return [p[:, :, 0] if p.ndim == 3 else p for p in pages]


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
