"""Safe decoding of untrusted image bytes into RGB ``uint8`` numpy arrays.

Every image that reaches Perisai comes from someone we do not trust, so the
decoder checks cheap things before expensive ones:

1. the byte count (``too_large``) and emptiness (``empty``);
2. the container format, from a fixed allow-list, so Pillow never hands the
   bytes to a risky plug-in such as EPS (which runs Ghostscript)
   (``unsupported_format``);
3. the dimensions in the header, before any pixel is decoded, so a small
   file declaring a gigantic canvas is refused at once
   (``decompression_bomb``);
4. only then the pixels, with truncated files refused instead of being
   returned half grey (``truncated``), and any other decoder failure reported
   as ``corrupt``.

Every failure is an :class:`ImageError` with a stable ``code``; nothing else
escapes :func:`decode_image`.

The result keeps the first frame at full resolution (hashes must be computed
on it so they agree with other PDQ implementations) and a downscaled copy for
the models, plus an evenly spaced, bounded sample of frames for animations.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

RGBArray = npt.NDArray[np.uint8]

ImageErrorCode = Literal[
    "empty",
    "too_large",
    "unsupported_format",
    "decompression_bomb",
    "truncated",
    "corrupt",
    "invalid_input",
]

#: Formats Perisai accepts (Pillow's JPEG opener also reads MPO, which many cameras write).
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF")


def _openable_formats() -> list[str]:
    Image.init()
    return [name for name in ALLOWED_FORMATS if name in Image.OPEN]


_WHITE = (255, 255, 255)

# Hostile files make Pillow warn about what it then refuses or repairs; the
# decoder reports problems through ImageError, so these warnings are noise.
# (Filters are installed once: warnings.catch_warnings is not thread-safe.)
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.TiffImagePlugin")


class ImageError(ValueError):
    """An image could not be accepted. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: ImageErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: ImageErrorCode = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """Bounds on what the decoder will do for one image.

    ``max_pixels`` is per frame and is checked from the header before any
    decoding. It is kept at or below Pillow's own ``Image.MAX_IMAGE_PIXELS``
    so Pillow's warning never fires and our check always comes first.
    """

    max_bytes: int = 40 * 1024 * 1024
    max_pixels: int = 40_000_000
    #: At most this many frames of an animation are kept (evenly spaced).
    max_frames: int = 8
    #: Frames beyond this decoded-pixel budget are not visited at all.
    max_animation_pixels: int = 200_000_000
    #: Longest side of the copy handed to the models.
    analysis_max_side: int = 1024

    def __post_init__(self) -> None:
        for name in (
            "max_bytes",
            "max_pixels",
            "max_frames",
            "max_animation_pixels",
            "analysis_max_side",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"DecodeLimits.{name} must be at least 1")


DEFAULT_LIMITS = DecodeLimits()


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """A decoded image.

    ``pixels`` is the first frame at full resolution with EXIF orientation
    applied; ``analysis_pixels`` is the same frame scaled so its longest side
    is at most ``DecodeLimits.analysis_max_side``; ``frames`` holds the
    sampled frames at analysis size (``frames[0]`` is ``analysis_pixels``).
    """

    pixels: RGBArray
    analysis_pixels: RGBArray
    format: str
    original_mode: str
    frame_count: int
    frames: tuple[RGBArray, ...] = field(default=())
    frame_indices: tuple[int, ...] = field(default=())

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def is_animated(self) -> bool:
        return self.frame_count > 1


def decode_image(data: bytes, limits: DecodeLimits = DEFAULT_LIMITS) -> DecodedImage:
    """Decode untrusted ``data``; raise :class:`ImageError` on anything wrong."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError("invalid_input", f"expected image bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ImageError("empty", "the image is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise ImageError(
            "too_large", f"the image is {len(data)} bytes; the limit is {limits.max_bytes} bytes"
        )
    try:
        return _decode(data, limits)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses at open() anything over twice Image.MAX_IMAGE_PIXELS.
        raise ImageError(
            "decompression_bomb",
            f"the image declares far more pixels than the limit of {limits.max_pixels} ({exc})",
        ) from exc
    except MemoryError as exc:
        raise ImageError("too_large", "not enough memory to decode the image") from exc
    except (EOFError, OSError) as exc:
        text = str(exc)
        if isinstance(exc, EOFError) or "truncated" in text or "end of file" in text.lower():
            raise ImageError("truncated", f"the image data ends early ({text or 'EOF'})") from exc
        raise ImageError("corrupt", f"the image data is damaged ({text})") from exc
    except Exception as exc:  # Pillow plug-ins raise many types on hostile input.
        raise ImageError(
            "corrupt", f"the image data is damaged ({type(exc).__name__}: {exc})"
        ) from exc


def _decode(data: bytes, limits: DecodeLimits) -> DecodedImage:
    try:
        image = Image.open(io.BytesIO(data), formats=_openable_formats())
    except Image.UnidentifiedImageError as exc:
        raise ImageError(
            "unsupported_format",
            "not a recognised image; accepted formats are " + ", ".join(ALLOWED_FORMATS),
        ) from exc
    with image:
        image_format = str(image.format or "unknown")
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageError("corrupt", f"the image declares an empty size {width}x{height}")
        if width * height > limits.max_pixels:
            raise ImageError(
                "decompression_bomb",
                f"the image declares {width}x{height} = {width * height} pixels; "
                f"the limit is {limits.max_pixels} pixels",
            )
        original_mode = image.mode
        frame_count = _frame_count(image, image_format)
        indices = _sample_frame_indices(frame_count, width * height, limits)

        frames: list[RGBArray] = []
        full_first: RGBArray | None = None
        for index in indices:
            if index:
                image.seek(index)
            frame = _to_rgb(image, apply_orientation=index == 0)
            if full_first is None:
                full_first = _as_array(frame)
            frames.append(_as_array(_downscale(frame, limits.analysis_max_side)))
        assert full_first is not None
        return DecodedImage(
            pixels=full_first,
            analysis_pixels=frames[0],
            format=image_format,
            original_mode=original_mode,
            frame_count=frame_count,
            frames=tuple(frames),
            frame_indices=tuple(indices),
        )


def _frame_count(image: Image.Image, image_format: str) -> int:
    if image_format == "MPO":
        return 1  # extra MPO frames are camera previews/stereo pairs, not an animation
    return max(1, int(getattr(image, "n_frames", 1)))


def _sample_frame_indices(frame_count: int, frame_pixels: int, limits: DecodeLimits) -> list[int]:
    """Evenly spaced frames, never visiting past the decoded-pixel budget.

    GIF and WebP seek by decoding every earlier frame, so the budget bounds
    the frames *visited*, not just the frames kept.
    """
    reachable = max(1, min(frame_count, limits.max_animation_pixels // max(frame_pixels, 1)))
    wanted = min(reachable, limits.max_frames)
    if wanted == 1:
        return [0]
    spaced = np.linspace(0, reachable - 1, num=wanted)
    return sorted({int(round(float(i))) for i in spaced})


def _to_rgb(image: Image.Image, apply_orientation: bool) -> Image.Image:
    """Load pixels and convert any mode to 8-bit RGB, compositing alpha on white."""
    image.load()
    if apply_orientation:
        # A broken EXIF block should not cost us the picture.
        with contextlib.suppress(Exception):
            image = ImageOps.exif_transpose(image)
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _high_depth_grey_to_rgb(image)
    if mode == "P":
        has_alpha = "transparency" in image.info or (
            image.palette is not None and image.palette.mode == "RGBA"
        )
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*_WHITE, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    try:
        return image.convert("RGB")
    except ValueError as exc:
        raise ImageError("unsupported_format", f"cannot convert mode {mode} to RGB") from exc


def _high_depth_grey_to_rgb(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer and float greyscale to 8 bits, keeping the full range."""
    values = np.asarray(image).astype(np.float64)
    if image.mode == "F":
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        scaled = (np.nan_to_num(values, nan=low) - low) / max(high - low, 1e-12) * 255.0
    elif image.mode.startswith("I;16") or (values.min() >= 0 and values.max() <= 65535):
        scaled = values / 257.0
    else:
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / max(high - low, 1.0) * 255.0
    grey = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(np.stack([grey] * 3, axis=-1)), "RGB")


def _downscale(image: Image.Image, max_side: int) -> Image.Image:
    width, height = image.size
    longest = max(width, height)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _as_array(image: Image.Image) -> RGBArray:
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ImageError("corrupt", f"decoded to an unexpected shape {array.shape}")
    return np.ascontiguousarray(array)


def downscale_pixels(rgb: RGBArray, max_side: int) -> RGBArray:
    """Scale an RGB array so its longest side is at most ``max_side``."""
    if max(rgb.shape[:2]) <= max_side:
        return rgb
    return _as_array(_downscale(Image.fromarray(rgb, "RGB"), max_side))
