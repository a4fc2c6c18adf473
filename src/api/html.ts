import escapeHtml from 'escape-html';

/** Markup to put into a page as it is: made only by `html`, so every value in it was escaped on the way in. */
export class Html {
  constructor(readonly markup: string) {}

  toString(): string {
    return this.markup;
  }
}

/** What a page may interpolate: markup, lists of it, text and numbers (escaped); nothing for null, undefined or false. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const render = (value: HtmlValue): string => {
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
};

/**
 * A template of markup whose interpolations are escaped (`&<>"'`), so a value is text wherever it lands, in an
 * element or a quoted attribute; nested `html` templates are put in as the markup they are.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  return new Html(strings.reduce((markup, text, index) => markup + render(values[index - 1]) + text));
}
