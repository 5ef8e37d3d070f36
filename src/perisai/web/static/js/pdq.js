// PDQ perceptual image hash, computed in the browser.
//
// This is an independent JavaScript implementation of PDQ, the 256-bit
// perceptual hash published by Meta in facebook/ThreatExchange (directory
// pdq/, BSD licence, Copyright (c) Meta Platforms, Inc. and affiliates). It
// follows the structure and constants of the C++ reference
// (pdq/cpp/hashing/pdqhashing.cpp, pdq/cpp/downscaling/downscaling.cpp) and of
// the algorithm description (pdqhash-2017-10-09.pdf) so that its hashes can be
// matched against hashes made by the reference code, by HMA and by StopNCII.
//
// The steps, for an image of H rows and W columns:
//
//   1. Luminance: Y = 0.299 R + 0.587 G + 0.114 B for every pixel.
//   2. Blur: a "Jarosz" filter, i.e. two passes of (box filter along rows,
//      then box filter along columns). Two box passes make a tent filter.
//      The box window is ceil(W / 128) along rows and ceil(H / 128) along
//      columns: half of one 64th of the image per pass.
//   3. Decimate: sample the blurred image at the centres of a 64 x 64 grid.
//   4. Quality: sum of quantised differences between neighbouring pixels of
//      the 64 x 64 image, scaled to 0..100. Flat images score low and their
//      hashes are unreliable (Meta recommends discarding quality < 50).
//   5. DCT: the 2-D DCT-II of the 64 x 64 image, keeping only the 16 x 16
//      lowest frequencies after the DC term (indices 1..16 in each direction).
//   6. Bits: bit (i * 16 + j) is 1 when coefficient (i, j) is greater than the
//      median of all 256 coefficients.
//   7. Text: 16 words of 16 bits, word i holding row i, written as 64 hex
//      digits with word 15 first (the ThreatExchange text form).
//
// Floating point: the reference works in 32-bit floats. Every stored value
// here lives in a Float32Array and every running sum is rounded to 32 bits
// with Math.fround after each operation, so that, fed the same pixels, the
// result is bit-for-bit what the C++ code computes. Pixels can still differ a
// little between decoders (browsers and Pillow decode JPEG slightly
// differently), which is why hashes are compared with a Hamming tolerance.

/** Meta's recommended floor: hashes with lower quality should not be matched on. */
export const PDQ_MIN_QUALITY = 50;

/** Meta's recommended match threshold (Hamming distance, inclusive). */
export const PDQ_MATCH_DISTANCE = 31;

/** Images smaller than this in either direction hash to all zeros, quality 0. */
const MIN_HASHABLE_DIM = 5;

/** Size of the downsampled image the DCT works on. */
const DOWNSAMPLE_DIM = 64;

/** Number of (rows, columns) box-filter pass pairs: two make a tent filter. */
const JAROSZ_PASSES = 2;

const fround = Math.fround;

// ---------------------------------------------------------------------------
// Step 1: luminance

/**
 * Luminance of RGBA pixels (as in canvas ImageData), row-major.
 *
 * The sum is formed in double precision and then rounded to 32 bits, which is
 * what the Python binding used by Perisai's server (pdqhash) does with numpy
 * before handing the buffer to the C++ code. Alpha is ignored: callers
 * composite transparent images onto white first, as the server does.
 *
 * @param {Uint8ClampedArray|Uint8Array} rgba 4 bytes per pixel
 * @param {number} width
 * @param {number} height
 * @returns {Float32Array} height * width luminance values in 0..255
 */
export function lumaFromRgba(rgba, width, height) {
  const count = width * height;
  if (rgba.length < count * 4) {
    throw new RangeError(`expected ${count * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const luma = new Float32Array(count);
  for (let p = 0, q = 0; p < count; p++, q += 4) {
    luma[p] = 0.299 * rgba[q] + 0.587 * rgba[q + 1] + 0.114 * rgba[q + 2];
  }
  return luma;
}

// ---------------------------------------------------------------------------
// Step 2: Jarosz (tent) filter

/**
 * Box-filter window for reducing `oldDimension` samples towards `newDimension`:
 * ceil(old / (2 * new)). Half a target cell per pass; two passes cover a cell.
 */
export function jaroszWindowSize(oldDimension, newDimension) {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * One-dimensional moving average of `length` samples read from `input` at
 * `start`, `start + stride`, ... and written to the same positions of
 * `output`. The window is centred (for an even window, one more sample on the
 * right than on the left) and shrinks at both ends rather than padding, so an
 * edge sample is the mean of the samples that exist.
 *
 * The four loops mirror the reference's four phases: fill the window without
 * writing, write while the window still grows, slide a full window, and write
 * while the window shrinks at the far end.
 */
function box1d(input, output, start, length, stride, windowSize) {
  const halfWindow = Math.floor((windowSize + 2) / 2);
  const growOnlyCount = halfWindow - 1;
  const growAndWriteCount = windowSize - halfWindow + 1;
  const slideCount = length - windowSize;
  const shrinkCount = halfWindow - 1;

  let left = start; // oldest sample still in the window
  let right = start; // next sample to enter the window
  let out = start;
  let sum = 0;
  let inWindow = 0;

  for (let n = 0; n < growOnlyCount; n++) {
    sum = fround(sum + input[right]);
    inWindow++;
    right += stride;
  }
  for (let n = 0; n < growAndWriteCount; n++) {
    sum = fround(sum + input[right]);
    inWindow++;
    output[out] = sum / inWindow;
    right += stride;
    out += stride;
  }
  for (let n = 0; n < slideCount; n++) {
    sum = fround(sum + input[right]);
    sum = fround(sum - input[left]);
    output[out] = sum / inWindow;
    left += stride;
    right += stride;
    out += stride;
  }
  for (let n = 0; n < shrinkCount; n++) {
    sum = fround(sum - input[left]);
    inWindow--;
    output[out] = sum / inWindow;
    left += stride;
    out += stride;
  }
}

/**
 * Blurs `buffer` (rows x cols, row-major) in place with `passes` pairs of box
 * filters, using `scratch` (same size) for the intermediate results.
 */
function jaroszFilter(buffer, scratch, rows, cols, windowAlongRows, windowAlongCols, passes) {
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < rows; i++) {
      box1d(buffer, scratch, i * cols, cols, 1, windowAlongRows);
    }
    for (let j = 0; j < cols; j++) {
      box1d(scratch, buffer, j, rows, cols, windowAlongCols);
    }
  }
}

// ---------------------------------------------------------------------------
// Step 3: decimation

/** Samples `input` (rows x cols) at the centres of a 64 x 64 grid. */
function decimateTo64(input, rows, cols) {
  const output = new Float32Array(DOWNSAMPLE_DIM * DOWNSAMPLE_DIM);
  for (let outI = 0; outI < DOWNSAMPLE_DIM; outI++) {
    const inI = Math.trunc(((outI + 0.5) * rows) / DOWNSAMPLE_DIM);
    for (let outJ = 0; outJ < DOWNSAMPLE_DIM; outJ++) {
      const inJ = Math.trunc(((outJ + 0.5) * cols) / DOWNSAMPLE_DIM);
      output[outI * DOWNSAMPLE_DIM + outJ] = input[inI * cols + inJ];
    }
  }
  return output;
}

// ---------------------------------------------------------------------------
// Step 4: quality

/**
 * Quality 0..100 from the 64 x 64 image: each vertical and horizontal
 * neighbour difference is scaled to percent of full range and truncated to an
 * integer (so only significant gradients count), the absolute values are
 * summed and the sum divided by 90, capped at 100. The constants are the
 * reference's hand-tuned ones.
 */
function qualityOf64(image64) {
  const n = DOWNSAMPLE_DIM;
  const quantisedDifference = (u, v) => Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
  let gradientSum = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = 0; j < n; j++) {
      gradientSum += quantisedDifference(image64[i * n + j], image64[(i + 1) * n + j]);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n - 1; j++) {
      gradientSum += quantisedDifference(image64[i * n + j], image64[i * n + j + 1]);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

// ---------------------------------------------------------------------------
// Step 5: DCT

/**
 * Rows 1..16 of the 64-point DCT-II basis, scaled by sqrt(2/64):
 * D[i][j] = sqrt(2/64) * cos(pi / 128 * (i + 1) * (2j + 1)), i in 0..15.
 * Row 0 of the full basis (the DC term) is skipped: it carries only the
 * average brightness.
 */
const DCT_16x64 = (() => {
  const matrix = new Float32Array(16 * DOWNSAMPLE_DIM);
  const scale = fround(Math.sqrt(2 / DOWNSAMPLE_DIM));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < DOWNSAMPLE_DIM; j++) {
      matrix[i * DOWNSAMPLE_DIM + j] =
        scale * Math.cos((Math.PI / 2 / DOWNSAMPLE_DIM) * (i + 1) * (2 * j + 1));
    }
  }
  return matrix;
})();

/**
 * The 16 x 16 low-frequency block of the 2-D DCT: B = D A D^T, computed as
 * T = D A (16 x 64) and then B = T D^T (16 x 16). Only the needed outputs are
 * computed, as in the reference.
 */
function dct64To16(image64) {
  const n = DOWNSAMPLE_DIM;
  const D = DCT_16x64;
  const T = new Float32Array(16 * n);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) {
        sum = fround(sum + fround(D[i * n + k] * image64[k * n + j]));
      }
      T[i * n + j] = sum;
    }
  }
  const B = new Float32Array(16 * 16);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) {
        sum = fround(sum + fround(T[i * n + k] * D[j * n + k]));
      }
      B[i * 16 + j] = sum;
    }
  }
  return B;
}

// ---------------------------------------------------------------------------
// Steps 6 and 7: median threshold and text form

/**
 * The median the reference uses (Torben's algorithm on 256 values returns
 * the 128th smallest, i.e. the lower median).
 */
function lowerMedian(values) {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Hash bits from the 16 x 16 DCT block, written as 64 hex digits. */
function bitsToHex(dct16) {
  const median = lowerMedian(dct16);
  const words = new Array(16);
  for (let i = 0; i < 16; i++) {
    let word = 0;
    for (let j = 0; j < 16; j++) {
      if (dct16[i * 16 + j] > median) {
        word |= 1 << j;
      }
    }
    words[i] = word;
  }
  let hex = "";
  for (let i = 15; i >= 0; i--) {
    hex += words[i].toString(16).padStart(4, "0");
  }
  return hex;
}

// ---------------------------------------------------------------------------
// Public API

/**
 * PDQ of a luminance image.
 *
 * @param {Float32Array} luma rows x cols, row-major; used as scratch and overwritten
 * @param {number} rows
 * @param {number} cols
 * @returns {{hash: string, quality: number}} hash as 64 lower-case hex digits
 */
export function pdqFromLuma(luma, rows, cols) {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`bad image size ${cols}x${rows}`);
  }
  if (luma.length < rows * cols) {
    throw new RangeError(`expected ${rows * cols} luminance values, got ${luma.length}`);
  }
  if (rows < MIN_HASHABLE_DIM || cols < MIN_HASHABLE_DIM) {
    return { hash: "0".repeat(64), quality: 0 };
  }
  let image64;
  if (rows === DOWNSAMPLE_DIM && cols === DOWNSAMPLE_DIM) {
    // Already the working size (e.g. video frames scaled by a decoder).
    image64 = Float32Array.from(luma.subarray(0, rows * cols));
  } else {
    const scratch = new Float32Array(rows * cols);
    jaroszFilter(
      luma,
      scratch,
      rows,
      cols,
      jaroszWindowSize(cols, DOWNSAMPLE_DIM),
      jaroszWindowSize(rows, DOWNSAMPLE_DIM),
      JAROSZ_PASSES,
    );
    image64 = decimateTo64(luma, rows, cols);
  }
  const quality = qualityOf64(image64);
  return { hash: bitsToHex(dct64To16(image64)), quality };
}

/**
 * PDQ of canvas ImageData (RGBA).
 *
 * @param {{data: Uint8ClampedArray, width: number, height: number}} imageData
 */
export function pdqFromImageData(imageData) {
  const { data, width, height } = imageData;
  return pdqFromLuma(lumaFromRgba(data, width, height), height, width);
}

/**
 * Largest canvas, in pixels, that every current browser can read back. Safari
 * on iPhone and iPad refuses canvases above 16,777,216 pixels (4096 x 4096),
 * which a 48-megapixel phone photo exceeds. Larger pictures are scaled down
 * to fit before hashing. PDQ is designed to survive resizing, so the hash
 * moves by a few bits at most, far inside the match distance of 31.
 */
export const MAX_CANVAS_PIXELS = 16_777_216;

/**
 * Decodes an image file (a File or Blob) in the browser and returns its RGBA
 * pixels. EXIF orientation is applied; colour-profile conversion is not
 * (Pillow, on the server, does not convert either); transparent areas are
 * composited onto white, as the server does.
 *
 * @param {Blob} blob
 * @param {{maxPixels?: number}} [options] scale larger pictures down to this many pixels
 * @returns {Promise<{imageData: ImageData, originalWidth: number, originalHeight: number}>}
 */
export async function decodeToImageData(blob, { maxPixels = MAX_CANVAS_PIXELS } = {}) {
  const decodeOptions = {
    imageOrientation: "from-image",
    colorSpaceConversion: "none",
    premultiplyAlpha: "none",
  };
  let bitmap = await createImageBitmap(blob, decodeOptions);
  const originalWidth = bitmap.width;
  const originalHeight = bitmap.height;
  try {
    if (originalWidth * originalHeight > maxPixels) {
      const scale = Math.sqrt(maxPixels / (originalWidth * originalHeight));
      const resized = await createImageBitmap(bitmap, {
        resizeWidth: Math.max(1, Math.floor(originalWidth * scale)),
        resizeHeight: Math.max(1, Math.floor(originalHeight * scale)),
        resizeQuality: "high",
        premultiplyAlpha: "none",
      });
      bitmap.close();
      bitmap = resized;
    }
    const { width, height } = bitmap;
    const canvas =
      typeof OffscreenCanvas !== "undefined"
        ? new OffscreenCanvas(width, height)
        : Object.assign(document.createElement("canvas"), { width, height });
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) {
      throw new Error("this browser cannot read picture pixels (no 2D canvas)");
    }
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0);
    const imageData = context.getImageData(0, 0, width, height);
    return { imageData, originalWidth, originalHeight };
  } finally {
    bitmap.close();
  }
}

/**
 * PDQ of an image file, decoded in the browser.
 *
 * `width` and `height` are the picture's own size (after EXIF rotation);
 * `scaledDown` tells whether it was hashed at a smaller size (see
 * MAX_CANVAS_PIXELS).
 *
 * @param {Blob} blob
 * @param {{maxPixels?: number}} [options]
 * @returns {Promise<{hash: string, quality: number, width: number, height: number, scaledDown: boolean}>}
 */
export async function pdqFromBlob(blob, options = {}) {
  const { imageData, originalWidth, originalHeight } = await decodeToImageData(blob, options);
  const { hash, quality } = pdqFromImageData(imageData);
  return {
    hash,
    quality,
    width: originalWidth,
    height: originalHeight,
    scaledDown: imageData.width !== originalWidth || imageData.height !== originalHeight,
  };
}

/** Number of differing bits between two hashes written in hex. */
export function hammingDistance(hexA, hexB) {
  if (hexA.length !== hexB.length) {
    throw new RangeError(`hash lengths differ: ${hexA.length} and ${hexB.length} hex digits`);
  }
  let distance = 0;
  for (let k = 0; k < hexA.length; k++) {
    let x = parseInt(hexA[k], 16) ^ parseInt(hexB[k], 16);
    for (; x; x &= x - 1) distance++;
  }
  return distance;
}
