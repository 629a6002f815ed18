import type { Theme } from "../theme";
import { palette, SCHEMES, type Scheme } from "../theme";

/** The custom properties of one scheme: its fixed colours and the accent's palette on its card. */
function vars(theme: Theme, scheme: Scheme): string {
  const c = SCHEMES[scheme];
  const p = palette(theme.accent, scheme);
  return `--accent:${p.accent};--on-accent:${p.onAccent};--accent-border:${p.accentBorder};--ink:${c.ink};--muted:${c.muted};--line:${c.line};--field:${c.field};--bg:${c.bg};--card:${c.card};--input:${c.input};--err:${c.err};--warn-bg:${c.warnBg};--warn-line:${c.warnLine};--danger-bg:${c.dangerBg};--neutral:${c.neutral}`;
}

/**
 * The one stylesheet, inline under the CSP nonce so the page loads nothing else. Written
 * without quotes or angle brackets, which JSX would escape inside <style>. Light and dark
 * schemes follow the browser (theme.ts holds both palettes and their contrast rule). Sizes
 * are in rem, so the person's text size scales everything; paddings and the code's letters
 * also shrink with the viewport (vw), so at 320 px and 200 % text nothing scrolls sideways.
 * Buttons sit in the order they are read: the primary action first, on every screen.
 */
export function stylesheet(theme: Theme): string {
  return `
:root{color-scheme:light dark;${vars(theme, "light")}}
@media (prefers-color-scheme:dark){:root{${vars(theme, "dark")}}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,Segoe UI,Roboto,Hiragino Sans,Noto Sans JP,sans-serif;color:var(--ink);background:var(--bg);overflow-wrap:break-word}
.top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.25rem 1rem;padding:.5rem min(1rem,4vw);background:var(--card);border-bottom:1px solid var(--line)}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:700;min-width:0}
.brand img,.brand svg{width:28px;height:28px;flex:none}
.lang{display:flex;flex-wrap:wrap;gap:0 .75rem;font-size:.9375rem}
.lang a,.lang span{white-space:nowrap;padding:.5rem .25rem}
.lang a{color:var(--ink)}
.lang [aria-current]{color:var(--muted)}
main{max-width:30rem;margin:0 auto;padding:1.25rem min(1rem,3vw) 3rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:min(1.25rem,5vw)}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 .75rem}
h2{font-size:1rem;margin:1.25rem 0 .25rem}
p{margin:.5rem 0}
a{color:var(--ink)}
label{display:block;font-weight:700;margin:1rem 0 .375rem}
input{width:100%;font:inherit;padding:.75rem min(.75rem,3vw);border:2px solid var(--field);border-radius:8px;background:var(--input);color:var(--ink)}
input[aria-invalid=true]{border-color:var(--err)}
.mono,input.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
input.code{font-size:min(1.75rem,9vw);letter-spacing:.12em;text-transform:uppercase;text-align:center}
input.code.long{font-size:min(1.5rem,4.5vw);letter-spacing:.04em}
.hint{color:var(--muted);font-size:.9375rem;margin:.375rem 0 0}
.error{color:var(--err);font-weight:700;margin:.5rem 0 0}
.code-display{font-size:min(2rem,10vw);font-weight:700;letter-spacing:.1em;text-align:center;margin:.25rem 0 1rem;overflow-wrap:anywhere}
.actions{display:flex;flex-direction:column;gap:.75rem;margin-top:1.5rem}
form.actions{margin-top:.75rem}
form.report{margin-top:1.5rem;padding-top:1rem;border-top:1px solid var(--line)}
button,a.button{font:inherit;font-weight:700;min-height:3rem;padding:.75rem 1rem;border-radius:8px;border:2px solid var(--accent-border);cursor:pointer;width:100%}
a.button{display:inline-flex;align-items:center;justify-content:center;text-decoration:none;text-align:center}
button.primary,a.button.primary{background:var(--accent);color:var(--on-accent)}
button.secondary{background:var(--card);color:var(--ink);border-color:var(--field)}
button.link{background:none;border:0;min-height:0;padding:0;width:auto;color:var(--ink);text-decoration:underline;font-weight:400}
:focus-visible{outline:3px solid var(--ink);outline-offset:2px}
h1[tabindex]:focus{outline:none}
dl.details{margin:.25rem 0 1rem}
dt{color:var(--muted);font-size:.9375rem;margin-top:.5rem}
dd{margin:0;overflow-wrap:anywhere}
.warning{background:var(--warn-bg);border:1px solid var(--warn-line);border-left-width:6px;border-radius:8px;padding:.75rem min(1rem,4vw);margin:1rem 0}
.warning.strong{background:var(--danger-bg);border-color:var(--err)}
.warning h2{margin-top:0}
.warning ul{margin:.25rem 0;padding-left:1.25rem}
dl.places{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:.75rem 0}
dl.places dt{margin:0;font-weight:700;color:var(--ink)}
ul.list{list-style:none;padding:0;margin:.25rem 0}
ul.list li{padding:.5rem 0;border-top:1px solid var(--line);overflow-wrap:anywhere}
ul.list li:first-child{border-top:0}
.muted{color:var(--muted)}
.nowrap{white-space:nowrap}
.expiry{text-align:center;margin:-.5rem 0 1rem}
.who{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:baseline;margin:.75rem 0}
.who strong{overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.875rem;background:var(--bg);padding:.5rem;border-radius:6px;margin:.25rem 0}
.done{text-align:center}
.mark{display:inline-flex;align-items:center;justify-content:center;width:4rem;height:4rem;border-radius:50%;font-size:2rem;margin:.25rem 0 .75rem;background:var(--accent);color:var(--on-accent)}
.mark.neutral{background:var(--neutral);color:var(--ink)}
@media (min-width:40rem){main{padding-top:3rem}.card{padding:2rem}dl.details{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.375rem 1rem}dt{margin:0}.actions{flex-direction:row;flex-wrap:wrap}.actions button,.actions a.button{width:auto;min-width:9rem}}
`;
}
