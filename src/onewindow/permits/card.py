"""The printable permit card: ID-1 size (85.6 × 54 mm, a bank card), ReportLab, vector QR.

Labels are printed in Chinese and English together, as on the city's own cards, whatever the
reader's language. Chinese needs a font with TrueType outlines (ReportLab cannot read the
CFF-based Noto CJK collections): WenQuanYi Micro Hei from Debian's `fonts-wqy-microhei`,
embedded as a subset. `PERMIT_CARD_FONT` (a path, optionally `path#index`) overrides it; when
no such file exists the card falls back to ReportLab's built-in STSong-Light CID font, which
is not embedded (the PDF viewer supplies the glyphs).
"""

import functools
import io
from pathlib import Path

from django.conf import settings
from reportlab.lib.colors import Color, black, white
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .models import Permit
from .signing import qr_matrix

CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 53.98 * mm
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0"
FONT_NAME = "OneWindowCJK"
FALLBACK_FONT = "STSong-Light"
ACCENT = Color(0.72, 0.11, 0.11)


@functools.cache
def card_font() -> str:
    """Register the card's CJK font once per process; return its name."""
    spec = str(getattr(settings, "PERMIT_CARD_FONT", DEFAULT_FONT))
    path, _, index = spec.partition("#")
    if Path(path).is_file():
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=int(index or 0)))
        return FONT_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest size up to `size` at which `text` fits in `width`."""
    used = pdfmetrics.stringWidth(text, font, size)
    return size if used <= width else max(4.0, size * width / used)


def _text(canvas: Canvas, x: float, y: float, text: str, size: float, width: float) -> None:
    font = card_font()
    canvas.setFont(font, _fit(canvas, text, font, size, width))
    canvas.drawString(x, y, text)


def _qr(canvas: Canvas, url: str, x: float, y: float, side: float) -> None:
    matrix = qr_matrix(url)
    modules = len(matrix)
    cell = side / modules
    canvas.setFillColor(white)
    canvas.rect(x - cell, y - cell, side + 2 * cell, side + 2 * cell, stroke=0, fill=1)
    canvas.setFillColor(black)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(x + c * cell, y + side - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def render_card(permit: Permit, verify_link: str) -> bytes:
    """The card as PDF bytes: names in Chinese and Latin letters, type, number, validity, QR."""
    holder = permit.holder
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(CARD_WIDTH, CARD_HEIGHT), pageCompression=1)
    canvas.setTitle(f"{permit.title_en} {permit.number}")
    canvas.setAuthor("OneWindow Guangzhou")

    margin, qr_side = 4 * mm, 30 * mm
    text_width = CARD_WIDTH - 3 * margin - qr_side

    canvas.setFillColor(ACCENT)
    canvas.rect(0, CARD_HEIGHT - 9 * mm, CARD_WIDTH, 9 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    _text(canvas, margin, CARD_HEIGHT - 4.6 * mm, permit.title_zh, 8.5, CARD_WIDTH - 2 * margin)
    _text(canvas, margin, CARD_HEIGHT - 7.6 * mm, permit.title_en, 6, CARD_WIDTH - 2 * margin)

    canvas.setFillColor(black)
    original = holder.zh_name or holder.original_name
    latin = holder.latin_name
    y = CARD_HEIGHT - 14 * mm
    rows = [
        ("姓名 Name", original or latin),
        ("", latin if original and latin != original else ""),
        ("证号 No.", permit.number),
        ("有效期 Valid", f"{permit.valid_from:%Y-%m-%d} – {permit.valid_to:%Y-%m-%d}"),
        ("签发 Issued", f"{permit.issued_on:%Y-%m-%d} · 广州市 Guangzhou"),
    ]
    for label, value in rows:
        if not value:
            continue
        if label:
            canvas.setFillColor(Color(0.4, 0.4, 0.4))
            _text(canvas, margin, y, label, 5, text_width)
            y -= 3.6 * mm
        canvas.setFillColor(black)
        _text(canvas, margin, y, value, 8 if label.startswith("姓名") else 7, text_width)
        y -= 4.2 * mm

    qr_x, qr_y = CARD_WIDTH - margin - qr_side, 5.5 * mm
    _qr(canvas, verify_link, qr_x, qr_y, qr_side)
    canvas.setFillColor(Color(0.4, 0.4, 0.4))
    _text(canvas, qr_x, 2.4 * mm, "扫码核验 Scan to verify", 4.5, qr_side)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
