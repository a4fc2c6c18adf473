const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/**
 * Where a JSON text first nests deeper than `maxDepth` objects and arrays: the path (keys and indices) of
 * the first object or array past the limit, or undefined when the text stays within it. One pass over the
 * text, before it is parsed, so that no recursive step after it (structuredClone, Ajv, canonicalize, our
 * own walks) meets more than `maxDepth` levels. Text that is not JSON gets an answer too, of no meaning;
 * JSON.parse refuses it next.
 */
export function firstValueTooDeep(text: string, maxDepth: number): (string | number)[] | undefined {
  // For each open object or array: whether it is an array, and the member being read in it (an index, or where its key's text starts).
  const isArray: boolean[] = [];
  const member: number[] = [];
  let depth = 0;
  let lastString = -1;
  for (let at = 0; at < text.length; at++) {
    switch (text.charCodeAt(at)) {
      case quote:
        lastString = at;
        at = closingQuote(text, at);
        if (at < 0) return undefined;
        break;
      case openBrace:
      case openBracket:
        if (depth === maxDepth) return pathOf(text, isArray, member, depth);
        isArray[depth] = text.charCodeAt(at) === openBracket;
        member[depth] = isArray[depth] ? 0 : -1;
        depth++;
        break;
      case closeBrace:
      case closeBracket:
        if (depth > 0) depth--;
        break;
      case comma:
        if (depth > 0 && isArray[depth - 1]) member[depth - 1]++;
        break;
      case colon:
        if (depth > 0) member[depth - 1] = lastString;
        break;
    }
  }
  return undefined;
}

/** The index of the quote that ends the string opening at `open`, or -1 when it never ends. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at > 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === backslash) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

function pathOf(text: string, isArray: boolean[], member: number[], depth: number): (string | number)[] {
  const path: (string | number)[] = [];
  for (let level = 0; level < depth; level++) path.push(isArray[level] ? member[level] : keyAt(text, member[level]));
  return path;
}

/** The key whose quoted text starts at `open` (-1: none yet), decoded; text that does not decode is no field name either. */
function keyAt(text: string, open: number): string {
  if (open < 0) return '';
  try {
    return JSON.parse(text.slice(open, closingQuote(text, open) + 1)) as string;
  } catch {
    return '';
  }
}
