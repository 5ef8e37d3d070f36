"""Guard any callable image pipeline (diffusers-style ``pipe(prompt=...,
image=...)``) before and after it runs.

    guarded = GuardedPipeline(pipe, gate)
    images = guarded(prompt="change her hair to red", image=photo).images

A blocked request raises :class:`Blocked` before the pipeline runs; an output
image that the gate blocks is withheld (raises :class:`Blocked` too, after the
other outputs were checked). Decisions for review are returned as allowed by
default, or treated as blocks with ``block_on_review=True``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from perisai.gate.gate import Gate, GateResult


class Blocked(Exception):
    """The gate refused; ``result`` says why (``result.decision.user_message``)."""

    def __init__(self, result: GateResult, stage: str) -> None:
        self.result = result
        self.stage = stage
        message = result.decision.user_message or "Blocked by policy."
        super().__init__(f"{stage}: {message}")


def to_image_bytes(image: Any) -> bytes:
    """Bytes of a PIL image, a numpy array (HxWx3 uint8) or bytes as given."""
    if isinstance(image, bytes | bytearray):
        return bytes(image)
    if hasattr(image, "save"):
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="PNG")
        return buf.getvalue()
    try:
        import numpy as np
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise TypeError(f"cannot read an image from {type(image).__name__}") from exc
    if isinstance(image, np.ndarray):
        array = image
        if array.dtype != np.uint8:
            array = np.clip(array * (255 if array.max() <= 1.0 else 1), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(array).convert("RGB").save(buf, format="PNG")
        return buf.getvalue()
    raise TypeError(f"cannot read an image from {type(image).__name__}")


def output_images(result: Any) -> list[Any]:
    """Images from a pipeline's return value: ``.images`` (diffusers), a list, or one image."""
    images = getattr(result, "images", result)
    if isinstance(images, list | tuple):
        return list(images)
    return [images]


class GuardedPipeline:
    def __init__(
        self,
        pipeline: Callable[..., Any],
        gate: Gate,
        *,
        account: str | None = None,
        jurisdiction: str | None = None,
        block_on_review: bool = False,
    ) -> None:
        self.pipeline = pipeline
        self.gate = gate
        self.account = account
        self.jurisdiction = jurisdiction
        self.block_on_review = block_on_review
        self.last_results: list[GateResult] = []

    def _refuses(self, result: GateResult) -> bool:
        return result.action == "block" or (self.block_on_review and result.action == "review")

    def __call__(self, *args: Any, prompt: str, image: Any = None, **kwargs: Any) -> Any:
        inputs: Sequence[Any] = (
            [] if image is None else (image if isinstance(image, list) else [image])
        )
        pre = self.gate.check_request(
            prompt,
            kind="edit" if inputs else "generate",
            images=[to_image_bytes(i) for i in inputs],
            account=self.account,
            jurisdiction=self.jurisdiction,
        )
        self.last_results = [pre]
        if self._refuses(pre):
            raise Blocked(pre, "request")
        if image is not None:
            kwargs["image"] = image
        result = self.pipeline(*args, prompt=prompt, **kwargs)
        refused: GateResult | None = None
        for out in output_images(result):
            checked = self.gate.check_output(to_image_bytes(out), pre.decision)
            self.last_results.append(checked)
            if self._refuses(checked) and refused is None:
                refused = checked
        if refused is not None:
            raise Blocked(refused, "output")
        return result
