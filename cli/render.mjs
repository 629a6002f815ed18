// Terminal output for the device CLI: the user code large enough to read across a room,
// a QR code of verification_uri_complete, and a live countdown line.
import { renderUnicodeCompact } from "uqr";

// 5×5 glyphs for the BASE20 alphabet, digits and the dash: the only characters a user code shows.
const GLYPHS = {
  B: ["#### ", "#   #", "#### ", "#   #", "#### "],
  C: [" ####", "#    ", "#    ", "#    ", " ####"],
  D: ["#### ", "#   #", "#   #", "#   #", "#### "],
  F: ["#####", "#    ", "#### ", "#    ", "#    "],
  G: [" ####", "#    ", "#  ##", "#   #", " ####"],
  H: ["#   #", "#   #", "#####", "#   #", "#   #"],
  J: ["  ###", "   # ", "   # ", "#  # ", " ##  "],
  K: ["#   #", "#  # ", "###  ", "#  # ", "#   #"],
  L: ["#    ", "#    ", "#    ", "#    ", "#####"],
  M: ["#   #", "## ##", "# # #", "#   #", "#   #"],
  N: ["#   #", "##  #", "# # #", "#  ##", "#   #"],
  P: ["#### ", "#   #", "#### ", "#    ", "#    "],
  Q: [" ### ", "#   #", "# # #", "#  # ", " ## #"],
  R: ["#### ", "#   #", "#### ", "#  # ", "#   #"],
  S: [" ####", "#    ", " ### ", "    #", "#### "],
  T: ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
  V: ["#   #", "#   #", "#   #", " # # ", "  #  "],
  W: ["#   #", "#   #", "# # #", "## ##", "#   #"],
  X: ["#   #", " # # ", "  #  ", " # # ", "#   #"],
  Z: ["#####", "   # ", "  #  ", " #   ", "#####"],
  0: [" ### ", "#  ##", "# # #", "##  #", " ### "],
  1: ["  #  ", " ##  ", "  #  ", "  #  ", " ### "],
  2: [" ### ", "#   #", "  ## ", " #   ", "#####"],
  3: ["#### ", "    #", " ### ", "    #", "#### "],
  4: ["#   #", "#   #", "#####", "    #", "    #"],
  5: ["#####", "#    ", "#### ", "    #", "#### "],
  6: [" ### ", "#    ", "#### ", "#   #", " ### "],
  7: ["#####", "    #", "   # ", "  #  ", "  #  "],
  8: [" ### ", "#   #", " ### ", "#   #", " ### "],
  9: [" ### ", "#   #", " ####", "    #", " ### "],
  "-": ["     ", "     ", " ### ", "     ", "     "],
};

/**
 * WDJBMJHT → WDJB-MJHT; 019450730 → 019-450-730 (the RFC 8628 §6.1 examples). The same rule
 * as the verification page (src/verification/user-code.ts), so the TV and the phone group a
 * code alike; test/e2e/cli.test.ts holds the two to it.
 */
export function formatUserCode(code) {
  const size = code.length % 4 !== 0 && code.length % 3 === 0 ? 3 : 4;
  return code.match(new RegExp(`.{1,${size}}`, "g"))?.join("-") ?? code;
}

/** The code in block letters, or null when a character has no glyph (then print it plainly). */
export function bigText(text) {
  const glyphs = [...text].map((ch) => GLYPHS[ch]);
  if (glyphs.some((g) => !g)) return null;
  return [0, 1, 2, 3, 4].map((row) => glyphs.map((g) => g[row].replace(/#/g, "█")).join(" ")).join("\n");
}

export function qr(text) {
  return renderUnicodeCompact(text, { border: 1 });
}

export function timeLeft(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One status line rewritten in place on a terminal; nothing when output is a pipe. */
export function liveLine(stream) {
  const tty = Boolean(stream.isTTY);
  let shown = false;
  return {
    update(text) {
      if (!tty) return;
      stream.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    /** Leaves the cursor at the start of a clean line, whatever happened before. */
    clear() {
      if (tty && shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
