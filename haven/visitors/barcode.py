"""Read the PDF417 barcode from a photo of the back of a licence (zxing-cpp does the decoding).

``decode_pdf417(image_bytes)`` returns the barcode's text, to be handed to ``aamva.parse``, or
raises ``BarcodeError`` with a message the front desk can act on.
"""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "BarcodeError", "decode_pdf417"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a phone's full-resolution JPEG is 3-12 MB
MAX_IMAGE_PIXELS = 50_000_000  # 50 megapixels: more is not a phone photo, maybe a bomb
# Larger photos are scaled down first: the barcode stays readable and decoding stays fast.
_DECODE_LONG_SIDE = 3000
_DESKEW_ANGLES = (0, 4, -4, 8, -8, 12, -12)
_PDF417 = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.PDF417)

# Only formats a camera, phone or scanner produces; never EPS or the like, which Pillow would
# hand to an external interpreter.
_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")  # JPEG covers MPO (iPhone)


class BarcodeError(ValueError):
    """The upload gave no barcode text; ``field`` is the form/API field to blame."""

    def __init__(self, message: str, field: str = "image") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def decode_pdf417(image_bytes: bytes) -> str:
    """The text of the PDF417 barcode in an uploaded photo (JPEG, PNG, WebP, GIF, BMP, TIFF)."""
    if not isinstance(image_bytes, bytes | bytearray | memoryview):
        raise BarcodeError("expected the uploaded file's bytes")
    data = bytes(image_bytes)
    if not data:
        raise BarcodeError("the uploaded file is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise BarcodeError(
            f"the file is {len(data) / 1_048_576:.0f} MB; upload a photo under "
            f"{MAX_IMAGE_BYTES // 1_048_576} MB"
        )
    if data[4:12] in {b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"}:
        raise BarcodeError(
            "HEIC photos are not supported; set the camera to 'Most Compatible' (JPEG) or "
            "take a screenshot of the photo"
        )
    image = _open(data)
    texts: list[str] = []
    # The PDF417 detector tolerates only a few degrees of skew; a hand-held photo is often
    # tilted more, so straighten it a few ways before giving up.
    for angle in _DESKEW_ANGLES:
        turned = image if angle == 0 else image.rotate(angle, expand=True, fillcolor=255)
        texts = _read(turned)
        if texts:
            break
    if not texts:
        raise BarcodeError(
            "no PDF417 barcode found: photograph the wide barcode on the back of the card, "
            "flat, in focus and filling most of the picture"
        )
    # A card has one PDF417; if the photo caught something else too, prefer the licence.
    texts.sort(key=lambda t: ("ANSI " in t or "AAMVA" in t, len(t)), reverse=True)
    return texts[0]


def _read(image: Image.Image) -> list[str]:
    try:
        barcodes = zxingcpp.read_barcodes(
            image,
            formats=_PDF417,
            text_mode=zxingcpp.TextMode.Plain,
        )
    except Exception as exc:  # the decoder is native code; never let it become a 500
        raise BarcodeError("the image could not be scanned; try another photo") from exc
    return [b.text for b in barcodes if b.valid and b.text]


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise BarcodeError(
                    f"the image is {width} x {height} pixels; upload a photo under "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels"
                )
            # a big JPEG can be decoded at 1/2, 1/4 or 1/8 scale directly: faster, less memory
            image.draft("L", (_DECODE_LONG_SIDE, _DECODE_LONG_SIDE))
            image.load()
            return _greyscale(image)
    except BarcodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BarcodeError("the image is too large to be a photo of a card") from exc
    except UnidentifiedImageError as exc:
        raise BarcodeError(
            "the file is not an image (JPEG, PNG, WebP, GIF, BMP or TIFF expected)"
        ) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise BarcodeError("the image file is damaged or incomplete; upload it again") from exc
    except Exception as exc:  # a decoder bug must not become a 500
        raise BarcodeError("the file could not be read as an image; upload a photo") from exc


def _greyscale(image: Image.Image) -> Image.Image:
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        # transparent pixels read as black; put the barcode on white paper
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    grey = image.convert("L")
    if max(grey.size) > _DECODE_LONG_SIDE:
        grey.thumbnail((_DECODE_LONG_SIDE, _DECODE_LONG_SIDE), Image.Resampling.LANCZOS)
    return grey
