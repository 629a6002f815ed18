/**
 * GET /favicon.ico: browsers ask for it on every first visit, and a 404 there is noise in
 * every log. A 16×16 icon of the page's device glyph in the accent colour, drawn here as a
 * 32-bit ICO (about 1 KB), so there is no file to ship and nothing loads from elsewhere.
 * The page's CSP stays `img-src 'none'`: a browser that holds favicons to img-src (the CSP
 * spec says it governs them) does not fetch or show it, and the CSP is not widened for an icon;
 * one that asks anyway (the 404s in the logs) now gets it.
 */
const SIZE = 16;

/** The logo of views/layout.tsx at 16 px: a screen (rows 2–11, rounded corners) on a stand (rows 13–14). */
function lit(x: number, y: number): boolean {
  const screen = y >= 2 && y <= 11 && x >= 1 && x <= 14 && !((y === 2 || y === 11) && (x === 1 || x === 14));
  const stand = y >= 13 && y <= 14 && x >= 5 && x <= 10;
  return screen || stand;
}

export function faviconIco(accent: string): Uint8Array {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(accent.slice(i, i + 2), 16)) as [number, number, number];
  const pixels = SIZE * SIZE * 4;
  const mask = SIZE * 4; // 1 bit per pixel, rows padded to 32 bits; all zero: alpha decides.
  const image = 40 + pixels + mask;
  const out = new Uint8Array(6 + 16 + image);
  const v = new DataView(out.buffer);
  // ICONDIR, then one ICONDIRENTRY.
  v.setUint16(2, 1, true);
  v.setUint16(4, 1, true);
  out.set([SIZE, SIZE, 0, 0], 6);
  v.setUint16(10, 1, true);
  v.setUint16(12, 32, true);
  v.setUint32(14, image, true);
  v.setUint32(18, 22, true);
  // BITMAPINFOHEADER: the height counts the mask too.
  v.setUint32(22, 40, true);
  v.setInt32(26, SIZE, true);
  v.setInt32(30, SIZE * 2, true);
  v.setUint16(34, 1, true);
  v.setUint16(36, 32, true);
  v.setUint32(42, pixels + mask, true);
  // BGRA, bottom row first.
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      if (lit(x, y)) out.set([b, g, r, 255], 62 + ((SIZE - 1 - y) * SIZE + x) * 4);
    }
  }
  return out;
}

const cache = new Map<string, Uint8Array>();

export function faviconResponse(accent: string): Response {
  let ico = cache.get(accent);
  if (!ico) {
    ico = faviconIco(accent);
    cache.set(accent, ico);
  }
  return new Response(ico, { headers: { "Content-Type": "image/x-icon", "Cache-Control": "public, max-age=86400" } });
}
