"""Decoding untrusted bytes: formats, modes, limits and hostile input."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import skimage.data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from perisai.analysers.image.decode import DecodeLimits, ImageError, decode_image

ASTRONAUT = np.ascontiguousarray(skimage.data.astronaut())

# Pillow warns about the hostile files these tests build; the decoder's answer is ImageError.
pytestmark = [
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def bomb_png(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header declares a gigantic canvas."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"])
def test_common_formats_decode_to_rgb(fmt: str) -> None:
    image = Image.fromarray(ASTRONAUT).resize((200, 150))
    decoded = decode_image(encode(image, fmt))
    assert decoded.format == fmt
    assert decoded.pixels.shape == (150, 200, 3)
    assert decoded.pixels.dtype == np.uint8
    assert decoded.frame_count == 1
    # Lossy formats stay close to the source.
    assert np.abs(decoded.pixels.astype(int) - np.asarray(image, dtype=int)).mean() < 20


def test_truncated_jpeg_is_refused_not_half_decoded() -> None:
    data = encode(Image.fromarray(ASTRONAUT), "JPEG", quality=90)
    with pytest.raises(ImageError) as caught:
        decode_image(data[: len(data) // 2])
    assert caught.value.code == "truncated"


def test_truncated_png_is_refused() -> None:
    data = encode(Image.fromarray(ASTRONAUT), "PNG")
    with pytest.raises(ImageError) as caught:
        decode_image(data[: len(data) // 3])
    assert caught.value.code in ("truncated", "corrupt")


def test_decompression_bomb_refused_before_decoding() -> None:
    data = bomb_png(100_000, 100_000)
    assert len(data) < 200
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    assert caught.value.code == "decompression_bomb"
    assert "10000000000 pixels" in caught.value.message
    # Below Pillow's own threshold our header check answers, naming the dimensions.
    with pytest.raises(ImageError) as caught:
        decode_image(bomb_png(10_000, 9_000))
    assert caught.value.code == "decompression_bomb"
    assert "10000x9000" in caught.value.message


def test_pixel_limit_is_configurable() -> None:
    data = encode(Image.fromarray(ASTRONAUT), "PNG")
    with pytest.raises(ImageError) as caught:
        decode_image(data, DecodeLimits(max_pixels=512 * 511))
    assert caught.value.code == "decompression_bomb"
    assert decode_image(data, DecodeLimits(max_pixels=512 * 512)).width == 512


def test_empty_too_large_wrong_type_and_unknown_format() -> None:
    with pytest.raises(ImageError) as caught:
        decode_image(b"")
    assert caught.value.code == "empty"
    with pytest.raises(ImageError) as caught:
        decode_image(b"\xff" * 2000, DecodeLimits(max_bytes=1000))
    assert caught.value.code == "too_large"
    with pytest.raises(ImageError) as caught:
        decode_image("not bytes")  # type: ignore[arg-type]
    assert caught.value.code == "invalid_input"
    with pytest.raises(ImageError) as caught:
        decode_image(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    assert caught.value.code == "unsupported_format"
    assert "JPEG" in caught.value.message


def test_cmyk_jpeg() -> None:
    image = Image.fromarray(ASTRONAUT).convert("CMYK")
    decoded = decode_image(encode(image, "JPEG", quality=95))
    assert decoded.original_mode == "CMYK"
    assert decoded.pixels.shape == (512, 512, 3)
    assert np.abs(decoded.pixels.astype(int) - ASTRONAUT.astype(int)).mean() < 12


def test_sixteen_bit_greyscale_png_keeps_its_range() -> None:
    ramp = np.tile(np.linspace(0, 65535, 256), (64, 1)).astype(np.uint16)
    decoded = decode_image(encode(Image.fromarray(ramp), "PNG"))
    assert decoded.original_mode.startswith("I")
    assert decoded.pixels[:, 0].max() <= 1
    assert decoded.pixels[:, -1].min() >= 254
    assert np.all(decoded.pixels[..., 0] == decoded.pixels[..., 2])


def test_float_tiff_is_scaled() -> None:
    values = np.linspace(-1.0, 3.0, 64 * 64, dtype=np.float32).reshape(64, 64)
    decoded = decode_image(encode(Image.fromarray(values, "F"), "TIFF"))
    assert decoded.pixels.min() == 0 and decoded.pixels.max() == 255


def test_transparency_is_composited_on_white() -> None:
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[:, :16] = (255, 0, 0, 255)  # opaque red left half, transparent right half
    decoded = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert tuple(decoded.pixels[0, 0]) == (255, 0, 0)
    assert tuple(decoded.pixels[0, 31]) == (255, 255, 255)


def test_palette_with_transparency_and_greyscale() -> None:
    palette = Image.new("P", (20, 20), 0)
    palette.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    palette.paste(1, (0, 0, 10, 20))
    decoded = decode_image(encode(palette, "PNG", transparency=0))
    assert tuple(decoded.pixels[0, 0]) == (10, 200, 30)
    assert tuple(decoded.pixels[0, 19]) == (255, 255, 255)
    grey = decode_image(encode(Image.fromarray(skimage.data.camera()), "PNG"))
    assert grey.original_mode == "L"
    assert np.array_equal(grey.pixels[..., 0], skimage.data.camera())


def test_exif_orientation_is_applied() -> None:
    image = Image.fromarray(ASTRONAUT).resize((300, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    decoded = decode_image(encode(image, "JPEG", exif=exif.tobytes(), quality=95))
    assert decoded.pixels.shape == (300, 200, 3)
    expected = np.asarray(image.transpose(Image.Transpose.ROTATE_270), dtype=int)
    assert np.abs(decoded.pixels.astype(int) - expected).mean() < 10


def test_broken_exif_does_not_lose_the_image() -> None:
    image = Image.fromarray(ASTRONAUT).resize((64, 64))
    decoded = decode_image(encode(image, "JPEG", exif=b"Exif\x00\x00garbage-exif"))
    assert decoded.pixels.shape == (64, 64, 3)


def animated_gif(frames: int, size: int = 64) -> bytes:
    images = [
        Image.new("RGB", (size, size), (int(255 * i / max(frames - 1, 1)), 0, 0))
        for i in range(frames)
    ]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=50, loop=0)


def test_animated_gif_frames_are_sampled_and_bounded() -> None:
    decoded = decode_image(animated_gif(20), DecodeLimits(max_frames=5))
    assert decoded.frame_count == 20
    assert decoded.is_animated
    assert len(decoded.frames) == 5
    assert decoded.frame_indices[0] == 0 and decoded.frame_indices[-1] == 19
    reds = [int(frame[0, 0, 0]) for frame in decoded.frames]
    assert reds == sorted(reds) and reds[0] < 10 and reds[-1] > 245


def test_animation_pixel_budget_limits_frames_visited() -> None:
    decoded = decode_image(
        animated_gif(20, size=100), DecodeLimits(max_frames=8, max_animation_pixels=100 * 100 * 4)
    )
    assert decoded.frame_indices == (0, 1, 2, 3)


def test_animated_webp() -> None:
    frames = [Image.new("RGB", (40, 40), (0, 0, 60 * i)) for i in range(4)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    decoded = decode_image(data)
    assert decoded.format == "WEBP"
    assert decoded.frame_count == 4 and len(decoded.frames) == 4
    assert int(decoded.frames[-1][0, 0, 2]) > 170


def test_bundled_skimage_gif() -> None:
    path = skimage.data.data_dir + "/no_time_for_that_tiny.gif"
    with open(path, "rb") as handle:
        decoded = decode_image(handle.read())
    assert decoded.frame_count > 1
    assert all(frame.shape[2] == 3 for frame in decoded.frames)


def test_huge_image_is_downscaled_for_analysis_only() -> None:
    image = Image.fromarray(ASTRONAUT).resize((3000, 1500))
    decoded = decode_image(encode(image, "JPEG"))
    assert decoded.pixels.shape == (1500, 3000, 3)
    assert decoded.analysis_pixels.shape == (512, 1024, 3)


VALID_SAMPLES = [
    encode(Image.fromarray(ASTRONAUT).resize((48, 48)), fmt)
    for fmt in ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_only_ever_raise_image_error(data: bytes) -> None:
    try:
        decoded = decode_image(data)
    except ImageError as exc:
        assert exc.code in {
            "empty",
            "unsupported_format",
            "truncated",
            "corrupt",
            "decompression_bomb",
            "too_large",
        }
    else:
        assert decoded.pixels.ndim == 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(VALID_SAMPLES),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12),
    st.integers(0, 10_000),
)
def test_mutated_images_only_ever_raise_image_error(
    sample: bytes, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(sample)
    for position, value in edits:
        data[position % len(data)] = value
    data = data[: max(1, len(data) - cut % len(data))]
    try:
        decoded = decode_image(bytes(data))
    except ImageError:
        return
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.shape[2] == 3
