"""Images are accepted by what they are, not what they claim, and lose their hidden data on the way in."""

import io

import pytest
from PIL import Image

from pbvote.proposals.images import ImageRejected, is_stored_name, reencode_image

LIMIT = 5 * 1024 * 1024


def jpeg_with_gps(size=(120, 80)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 13.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_phone_photo_is_reencoded_without_its_exif_and_gps():
    data = jpeg_with_gps()
    assert b"PhoneMaker" in data
    encoded, extension, size = reencode_image(data, LIMIT)
    assert extension == "jpg" and size == (120, 80)
    assert b"PhoneMaker" not in encoded
    with Image.open(io.BytesIO(encoded)) as image:
        assert not image.getexif()


def test_large_pictures_are_scaled_down():
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 1000), "blue").save(buffer, "PNG")
    _, extension, size = reencode_image(buffer.getvalue(), LIMIT)
    assert extension == "png" and size == (1600, 400)


def test_data_appended_after_the_image_is_not_kept():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(buffer, "PNG")
    smuggled = buffer.getvalue() + b"<script>alert(1)</script>"
    encoded, _, _ = reencode_image(smuggled, LIMIT)
    assert b"<script>" not in encoded


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"%PDF-1.4 not an image",
        b"GIF89a" + b"\x00" * 20,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 30,  # a PNG signature with garbage after it
    ],
    ids=["empty", "svg", "pdf", "broken-gif", "broken-png"],
)
def test_files_that_are_not_accepted_images_are_refused(data):
    with pytest.raises(ImageRejected):
        reencode_image(data, LIMIT)


def test_a_real_gif_is_refused_by_type():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    with pytest.raises(ImageRejected, match="JPEG, PNG or WebP"):
        reencode_image(buffer.getvalue(), LIMIT)


def test_files_over_the_size_limit_are_refused():
    data = jpeg_with_gps()
    with pytest.raises(ImageRejected, match="larger than"):
        reencode_image(data, len(data) - 1)


def test_a_decompression_bomb_is_refused_before_decoding():
    buffer = io.BytesIO()
    # 10,000 × 5,000 = 50 megapixels of one colour compresses to a few kilobytes.
    Image.new("1", (10_000, 5_000)).save(buffer, "PNG")
    with pytest.raises(ImageRejected, match="too many pixels"):
        reencode_image(buffer.getvalue(), LIMIT)


def test_only_names_we_generate_are_served():
    assert is_stored_name("0123456789abcdef0123456789abcdef.png")
    for name in ("../secret_key", "0123456789abcdef0123456789abcdef.svg", "x.png", "0123456789ABCDEF0123456789abcdef.png"):
        assert not is_stored_name(name)
