// Exact-match fingerprints of file bytes: MD5 and SHA-256.
//
// StopNCII and the hash exchanges use MD5 to find identical copies of a file
// (video especially). WebCrypto does not offer MD5, so it is implemented here
// from RFC 1321. MD5 is broken as a cryptographic hash; it is used only as a
// well-known identifier for exact copies. SHA-256 comes from WebCrypto.

// Per-round left-rotation amounts (RFC 1321, section 3.4).
const SHIFTS = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

// K[i] = floor(2^32 * |sin(i + 1)|).
const K = Uint32Array.from({ length: 64 }, (_, i) =>
  Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32),
);

/** Processes one 64-byte block (16 little-endian words) into `state`. */
function md5Block(state, words) {
  let [a, b, c, d] = state;
  for (let i = 0; i < 64; i++) {
    let f;
    let g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    const sum = (a + f + K[i] + words[g]) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << SHIFTS[i]) | (sum >>> (32 - SHIFTS[i])))) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
}

/**
 * MD5 of bytes, as 32 lower-case hex digits.
 *
 * @param {ArrayBuffer|Uint8Array} input
 * @returns {string}
 */
export function md5Hex(input) {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
  const words = new Int32Array(16);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fullBlocks = Math.floor(bytes.length / 64);
  for (let block = 0; block < fullBlocks; block++) {
    for (let w = 0; w < 16; w++) {
      words[w] = view.getInt32(block * 64 + w * 4, true);
    }
    md5Block(state, words);
  }

  // Padding: a 1 bit, zeros, then the message length in bits (64-bit little-endian).
  const rest = bytes.length - fullBlocks * 64;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(bytes.subarray(fullBlocks * 64));
  tail[rest] = 0x80;
  const tailView = new DataView(tail.buffer);
  const bitLength = bytes.length * 8;
  tailView.setUint32(tail.length - 8, bitLength >>> 0, true);
  tailView.setUint32(tail.length - 4, Math.floor(bitLength / 2 ** 32), true);
  for (let offset = 0; offset < tail.length; offset += 64) {
    for (let w = 0; w < 16; w++) {
      words[w] = tailView.getInt32(offset + w * 4, true);
    }
    md5Block(state, words);
  }

  const digest = new DataView(new ArrayBuffer(16));
  state.forEach((word, i) => digest.setInt32(i * 4, word, true));
  return toHex(new Uint8Array(digest.buffer));
}

/**
 * SHA-256 of bytes, as 64 lower-case hex digits, from WebCrypto. WebCrypto
 * exists only in secure contexts (https, or http on localhost); elsewhere
 * this returns null.
 *
 * @param {ArrayBuffer|Uint8Array} input
 * @returns {Promise<string|null>}
 */
export async function sha256Hex(input) {
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    return null;
  }
  const digest = await globalThis.crypto.subtle.digest("SHA-256", input);
  return toHex(new Uint8Array(digest));
}

function toHex(bytes) {
  let hex = "";
  for (const byte of bytes) {
    hex += byte.toString(16).padStart(2, "0");
  }
  return hex;
}
