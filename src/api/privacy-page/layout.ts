import type { Problem } from '../../problem';
import { html, type Html, type HtmlValue } from '../html';

export const privacyPath = '/privacy';
export const stylesheetPath = `${privacyPath}/style.css`;

/** The one stylesheet of the pages (no inline style: the CSP allows none). */
export const stylesheet = `body { font: 1rem/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 0 1rem 2rem; color: #1b1b1b; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; list-style: none; padding: 0; }
a { color: #0b4fa3; }
:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -100vw; }
.skip:focus { left: 1rem; top: 0.5rem; background: #fff; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
caption { text-align: left; font-weight: bold; }
th, td { border: 1px solid #999; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td code, dd code { word-break: break-all; }
label { display: block; font-weight: bold; }
input, select, button { font: inherit; }
input[type="text"], input[type="search"], select { min-width: 20rem; max-width: 100%; }
.alert { border-left: 4px solid #b00020; padding: 0.5rem 1rem; background: #fdecee; }
.ok { border-left: 4px solid #1a7f37; padding: 0.5rem 1rem; background: #eaf6ec; }
.summary { border-left: 4px solid #0b4fa3; padding: 0.5rem 1rem; background: #eef3fb; }
`;

const navigation: [label: string, href: string][] = [
  ['Find a subject', privacyPath],
  ['Shares log', `${privacyPath}/shares`],
  ['Verify the log', `${privacyPath}/verify`],
  ['Record of processing', `${privacyPath}/record`],
  ['Log out', `${privacyPath}/logout`],
];

export interface PageContent {
  /** The page's heading, and its title. */
  title: string;
  main: Html;
  /** Seconds until the page loads itself again (a running erasure); the page says so in words too. */
  refreshSeconds?: number;
}

/** A whole page: its title, the navigation, one `<main>` under an `<h1>`. */
export function page({ title, main, refreshSeconds }: PageContent): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${refreshSeconds !== undefined && html`<meta http-equiv="refresh" content="${refreshSeconds}">\n`}<title>${title} – supplier-gateway privacy</title>
<link rel="stylesheet" href="${stylesheetPath}">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header>
<p>supplier-gateway: privacy</p>
<nav aria-label="Privacy pages"><ul>
${navigation.map(([label, href]) => html`<li><a href="${href}">${label}</a></li>\n`)}</ul></nav>
</header>
<main id="main">
<h1>${title}</h1>
${main}
</main>
</body>
</html>
`.markup;
}

/** What was wrong with the input, in the problem's words: ours, never the value given. */
export function problemAlert(problem: Problem | undefined): HtmlValue {
  if (!problem) return null;
  return html`<div class="alert" role="alert">
<p>${problem.detail}</p>
${problem.errors && html`<ul>${problem.errors.map((error) => html`<li>${error.pointer.split('/').at(-1)}: ${error.detail}</li>`)}</ul>\n`}</div>
`;
}

/** A page with nothing to show but what went wrong with its request. */
export const problemPage = (title: string, problem: Problem) => page({ title, main: html`${problemAlert(problem)}` });

/** A labelled text field; `hint` says what a good value looks like. */
export function textField(name: string, label: string, value: string | undefined, { hint, required = false }: { hint?: string; required?: boolean } = {}): Html {
  return html`<p>
<label for="${name}">${label}</label>
${hint && html`<span id="${name}-hint">${hint}</span><br>\n`}<input type="text" id="${name}" name="${name}" value="${value ?? ''}"${required && html` required`}${hint && html` aria-describedby="${name}-hint"`}>
</p>
`;
}

/** A link under the pages with a query, its empty values left out. */
export function linkTo(path: string, query: Record<string, string | undefined>): string {
  const given = Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1]));
  return given.length ? `${privacyPath}${path}?${new URLSearchParams(given)}` : `${privacyPath}${path}`;
}

/** A moment as people read it: the date and the time in UTC, to the second. */
export const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
