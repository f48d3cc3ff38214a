"""Photos and scans saved as images (.jpg .png .tif): OCR'd page by page (readers.ocr).

A multi-page TIFF is one page per frame; a long image (pages stacked, as county WeChat accounts
post a notice) is cut into page-sized pieces at blank bands between lines. Pixel counts are
checked before anything is decoded, so no image can take unbounded memory.
"""
from __future__ import annotations

import io
import re
import warnings

import numpy as np

from noticeflow.readers import ocr, pdf_limits
from noticeflow.readers.pdf import assemble_pages
from noticeflow.schemas.errors import InputError

MAX_PIXELS = 60_000_000         # decoded pixels of one image (an 8-page long photo at 200 dpi: 31 M)
_A4_WIDTH_IN = 8.27             # photos carry no trustworthy dpi: a page is taken to be A4 wide
_A4_RATIO = 1.414
_PIXELS = re.compile(r"\((\d+) pixels\)")  # in Pillow's DecompressionBombError message
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def is_image(data: bytes) -> bool:
    return data.startswith(_MAGIC)


def identifies(data: bytes) -> bool:
    """Pillow recognises the header (nothing is decoded)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Image.open(io.BytesIO(data))
        return True
    except Exception:  # noqa: BLE001 - any refusal means: not an image we can read
        return False


def read_image(path: str, data: bytes) -> tuple[str, int, list, list]:
    """Image bytes -> (text, pages, tables, flags)."""
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # Pillow warns past 89 M pixels; we refuse past MAX_PIXELS
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:  # past 179 M pixels Pillow refuses to open it
        pixels = int(_PIXELS.search(str(e)).group(1)) if _PIXELS.search(str(e)) else 0
        raise InputError(path, _too_large(pixels)) from None
    except UnidentifiedImageError:
        raise InputError(path, "corrupt or unreadable image (not a JPEG, PNG or TIFF that can be opened)") from None
    except (OSError, ValueError) as e:
        raise InputError(path, f"corrupt or unreadable image ({_first_line(e)})") from None
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise InputError(path, _too_large(w * h))
    frames = getattr(im, "n_frames", 1)
    if frames > pdf_limits.MAX_OCR_PAGES:
        raise InputError(path, f"image has {frames} pages to OCR (limit {pdf_limits.MAX_OCR_PAGES})")
    pages, flags = [], []
    try:
        for frame in ImageSequence.Iterator(im):
            gray = np.asarray(ImageOps.exif_transpose(frame).convert("L"))
            pieces = _pieces(_bounded(gray))
            for piece in pieces:
                if ocr.on_page is not None:
                    ocr.on_page(len(pages) + 1)
                page = ocr.read_image(piece, piece.shape[1] / _A4_WIDTH_IN, cut=len(pieces) > 1)
                flags += ocr.confidence_flags(len(pages) + 1, page)
                pages.append(page)
    except (OSError, ValueError, SyntaxError) as e:  # Pillow's errors for a damaged image body
        raise InputError(path, f"corrupt or truncated image ({_first_line(e)})") from None
    if not any(p.blocks for p in pages):
        raise InputError(path, "no text found")
    text, tables = assemble_pages([p.blocks for p in pages], [_A4_WIDTH_IN * 72] * len(pages), ocr=True)
    return text, frames, tables, flags


def _bounded(gray: np.ndarray) -> np.ndarray:
    """Wider than OCR needs (a page more than MAX_SIDE_PX across): scaled down to that width."""
    import cv2

    h, w = gray.shape
    if w <= ocr.MAX_SIDE_PX:
        return gray
    f = ocr.MAX_SIDE_PX / w
    return cv2.resize(gray, (ocr.MAX_SIDE_PX, max(1, round(h * f))), interpolation=cv2.INTER_AREA)


def _pieces(gray: np.ndarray) -> list[np.ndarray]:
    """A long image cut near every A4 page height, at the row with least ink nearby."""
    h, w = gray.shape
    page_h = int(w * _A4_RATIO)
    if h <= page_h * 1.25:
        return [gray]
    ink = (gray < 128).sum(axis=1)
    cuts, y = [0], 0
    while h - y > page_h * 1.25:
        lo, hi = y + int(page_h * 0.85), min(h - 1, y + int(page_h * 1.1))
        y = lo + _middle_of_longest_blank(ink[lo:hi])
        cuts.append(y)
    cuts.append(h)
    return [gray[a:b] for a, b in zip(cuts, cuts[1:]) if b - a > 10]


def _middle_of_longest_blank(ink: np.ndarray) -> int:
    quiet = ink <= ink.min()
    best, best_len, start = 0, 0, None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if i - start > best_len:
                best, best_len = (start + i) // 2, i - start
            start = None
    return best


def _too_large(pixels: int) -> str:
    return f"image too large ({pixels / 1e6:.0f} megapixels > {MAX_PIXELS // 1_000_000} megapixel limit)"


def _first_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:120] or type(e).__name__
