// Fills bench/report.md, the report's fixed text, with what the rows measured. A small subset
// of Mustache, so the template reads as Markdown:
//   {{a.b}}            the value at that path (a missing value is an error, not a blank)
//   {{#a.b}}…{{/a.b}}  shown when the value is truthy
//   {{^a.b}}…{{/a.b}}  shown when it is not
//   {{! …}}            a note for whoever edits the template, dropped
// A section tag alone on its line takes the line with it, so sections leave no blank lines.

/** @param {string} template @param {Record<string, unknown>} view @returns {string} */
export function fill(template, view) {
  const lookup = (/** @type {string} */ path) => {
    /** @type {unknown} */
    let v = view;
    for (const key of path.split(".")) v = v !== null && typeof v === "object" ? Reflect.get(v, key) : undefined;
    return v;
  };
  const expand = (/** @type {string} */ text) =>
    text
      .replace(/\{\{([#^])([\w.]+)\}\}([\s\S]*?)\{\{\/\2\}\}/g, (_, kind, path, inner) => (Boolean(lookup(path)) === (kind === "#") ? expand(inner) : ""))
      .replace(/\{\{([\w.]+)\}\}/g, (_, path) => {
        const v = lookup(path);
        if (v === undefined || v === null || typeof v === "object") throw new Error(`bench/report.md: no value for {{${path}}}`);
        return String(v);
      });
  const standalone = template.replace(/\{\{![\s\S]*?\}\}\n?/g, "").replace(/^[ \t]*(\{\{[#^/][\w.]+\}\})[ \t]*\n/gm, "$1");
  return expand(standalone);
}
