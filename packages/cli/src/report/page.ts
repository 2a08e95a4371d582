// The page around the sections: one HTML file with its CSS inline and no script, font, image or
// stylesheet from anywhere else, so that it opens offline and from any folder.
import { escapeHtml } from './html.js';

const CSS = `
:root { color-scheme: light; --fg: #1d232a; --muted: #5b6570; --line: #d9dee3; --warn: #8a4b00; --warn-bg: #fff4e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
h4 { font-size: 13px; margin: 0 0 4px; color: var(--muted); }
nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--line); }
table.numeric td { text-align: right; }
table.keyvalue thead { display: none; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; border: 1px solid var(--line); padding: 8px; margin: 0; }
figure.plot { margin: 8px 0 16px; }
figure.plot svg { max-width: 100%; height: auto; }
.note { padding: 6px 10px; border-left: 3px solid var(--line); color: var(--muted); }
.note.warn { border-left-color: var(--warn); background: var(--warn-bg); color: var(--warn); }
.status { font-weight: 600; padding: 1px 6px; border-radius: 3px; background: #e8ecef; }
.status-ok { background: #dff3e4; color: #14532d; }
.status-failed { background: #fde2e1; color: #7f1d1d; }
.status-interrupted, .status-running { background: var(--warn-bg); color: var(--warn); }
.sample { margin: 16px 0; }
.responses { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 8px; margin-top: 8px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

export function page(
  title: string,
  subtitle: string,
  nav: Array<[string, string]>,
  sections: string[],
): string {
  const links = nav
    .map(([id, label]) => `<a href="#${escapeHtml(id)}">${escapeHtml(label)}</a>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${subtitle}</p><nav>${links}</nav></header>
${sections.join('\n')}
<footer>Written by <code>allo report</code> from the files of the run directory; plots rendered with vega-lite. Links are relative to the run directory.</footer>
</body>
</html>
`;
}
