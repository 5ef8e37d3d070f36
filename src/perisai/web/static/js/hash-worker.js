// Fingerprints one file per message, off the page's main thread, so the page
// stays responsive while a large photo is hashed. Makes no requests.
//
// In:  { id, file }
// Out: { id, ok: true, result: { md5, sha256, pdq, quality, scaledDown, pdqUnavailable } }
//      { id, ok: false, message }
//
// `pdqUnavailable` is true when this browser cannot decode pictures inside a
// worker (no OffscreenCanvas there); the page then computes PDQ itself.

import { pdqFromBlob } from "./pdq.js";
import { md5Hex, sha256Hex } from "./md5.js";

const canDecodeHere =
  typeof OffscreenCanvas !== "undefined" && typeof createImageBitmap === "function";

self.addEventListener("message", async (event) => {
  const { id, file } = event.data;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const result = {
      md5: md5Hex(bytes),
      sha256: await sha256Hex(bytes),
      pdq: null,
      quality: null,
      scaledDown: false,
      pdqUnavailable: !canDecodeHere,
    };
    if (canDecodeHere) {
      try {
        const pdq = await pdqFromBlob(file);
        result.pdq = pdq.hash;
        result.quality = pdq.quality;
        result.scaledDown = pdq.scaledDown;
      } catch {
        // Not decodable as a picture: the exact-copy fingerprint stands alone.
      }
    }
    self.postMessage({ id, ok: true, result });
  } catch (error) {
    self.postMessage({ id, ok: false, message: String((error && error.message) || error) });
  }
});
