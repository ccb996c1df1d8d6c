"""Reading the PDF417 from an uploaded photo: barcodes are made with zxing-cpp's own writer."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from haven.visitors import aamva, barcode
from haven.visitors.barcode import BarcodeError, decode_pdf417

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "aamva"


def vector(name: str) -> dict:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


VA = vector("va_v08_dl_standard_sample")


def pdf417(text: str, scale: int = 3) -> Image.Image:
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.PDF417)
    return Image.fromarray(np.array(zxingcpp.write_barcode_to_image(symbol, scale=scale)))


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def photo_of(symbol: Image.Image, angle: float = 0, size=(2400, 1600)) -> Image.Image:
    """The barcode on a card on a desk: off-centre, a little tilted, blurred, in colour."""
    desk = Image.new("RGB", size, (92, 84, 70))
    card = Image.new("RGB", (symbol.width + 160, symbol.height + 220), (238, 236, 228))
    card.paste(symbol.convert("RGB"), (80, 110))
    draw = ImageDraw.Draw(card)
    draw.rectangle((20, 20, 300, 60), fill=(60, 60, 140))  # printing on the card
    card = card.rotate(
        angle, expand=True, fillcolor=(92, 84, 70), resample=Image.Resampling.BICUBIC
    )
    desk.paste(card, (350, 300))
    return desk.filter(ImageFilter.GaussianBlur(0.8))


def refused(data: bytes) -> BarcodeError:
    with pytest.raises(BarcodeError) as caught:
        decode_pdf417(data)
    assert caught.value.field == "image"
    return caught.value


# --- reading ------------------------------------------------------------------------------------


def test_png_of_a_licence_barcode_gives_back_the_exact_payload():
    text = decode_pdf417(encode(pdf417(VA["payload"])))
    assert text == VA["payload"]
    assert aamva.parse(text).to_api() == VA["expected"]


def test_photo_of_a_tilted_card_is_read():
    image = photo_of(pdf417(VA["payload"], scale=4), angle=7)
    text = decode_pdf417(encode(image, "JPEG", quality=85))
    assert aamva.parse(text).to_api() == VA["expected"]


def test_card_photographed_sideways_is_read():
    image = photo_of(pdf417(VA["payload"], scale=4), angle=90, size=(1800, 2600))
    assert decode_pdf417(encode(image, "JPEG", quality=90)) == VA["payload"]


def test_non_ascii_letters_survive_the_round_trip():
    quebec = vector("qc_v10_dl_accents")
    text = decode_pdf417(encode(pdf417(quebec["payload"])))
    assert aamva.parse(text).last_name == "BÉLANGER-CÔTÉ"


def test_transparent_png_is_read_as_if_on_white():
    symbol = pdf417(VA["payload"]).convert("L")
    # black modules on a fully transparent background
    rgba = Image.new("RGBA", symbol.size, (0, 0, 0, 0))
    rgba.putalpha(Image.eval(symbol, lambda v: 255 - v))
    assert decode_pdf417(encode(rgba)) == VA["payload"]


def test_large_photo_is_scaled_down_and_still_read():
    image = photo_of(pdf417(VA["payload"], scale=6), size=(4500, 3000))
    assert decode_pdf417(encode(image, "JPEG", quality=80)) == VA["payload"]


def test_the_licence_is_preferred_over_another_pdf417_in_the_picture():
    other = pdf417("BOARDING PASS M1DOE/JANE", scale=3)
    licence = pdf417(VA["payload"], scale=3)
    sheet = Image.new("L", (licence.width + 100, licence.height + other.height + 300), 255)
    sheet.paste(other, (50, 50))
    sheet.paste(licence, (50, other.height + 200))
    assert decode_pdf417(encode(sheet)) == VA["payload"]


# --- refusing -----------------------------------------------------------------------------------


def test_photo_without_a_barcode_is_refused():
    image = Image.new("RGB", (1200, 800), (180, 170, 150))
    ImageDraw.Draw(image).ellipse((300, 200, 900, 600), fill=(40, 90, 160))
    exc = refused(encode(image, "JPEG"))
    assert "no PDF417 barcode" in exc.message


def test_qr_code_is_not_taken_for_a_licence():
    symbol = zxingcpp.create_barcode("https://example.org", zxingcpp.BarcodeFormat.QRCode)
    image = Image.fromarray(np.array(zxingcpp.write_barcode_to_image(symbol, scale=8)))
    assert "no PDF417 barcode" in refused(encode(image)).message


@pytest.mark.parametrize(
    "data",
    [
        b"plain text, not a picture",
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
        b"\x00" * 100,
    ],
    ids=["text", "pdf", "eps", "zeros"],
)
def test_file_that_is_not_an_image_is_refused(data):
    assert "not an image" in refused(data).message


def test_truncated_png_is_refused():
    data = encode(pdf417(VA["payload"]))
    assert "damaged or incomplete" in refused(data[: len(data) // 2]).message


def test_truncated_jpeg_is_refused_or_unreadable():
    data = encode(photo_of(pdf417(VA["payload"])), "JPEG")
    exc = refused(data[:2000])
    assert "damaged or incomplete" in exc.message or "no PDF417" in exc.message


def test_empty_upload_is_refused():
    assert "empty" in refused(b"").message


def test_wrong_type_is_refused():
    with pytest.raises(BarcodeError):
        decode_pdf417("not bytes")  # type: ignore[arg-type]


def test_huge_file_is_refused_before_it_is_opened():
    exc = refused(b"\xff\xd8" + b"\x00" * barcode.MAX_IMAGE_BYTES)
    assert "MB" in exc.message


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (30_000, 30_000)])
def test_image_with_too_many_pixels_is_refused_without_decoding_it(width, height):
    exc = refused(png_claiming(width, height))
    assert "megapixels" in exc.message or "too large" in exc.message


def test_heic_photo_gets_advice():
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    assert "HEIC" in refused(data).message
