// A strict XML 1.0 well-formedness checker and tree builder for the tests (no dependency): one root
// element, matched tags, unique attributes with quoted values, no '<' in attribute values, only the five
// predefined entities and character references (to allowed characters), no ']]>' in text, comments
// without '--', every character an XML Char. `<!DOCTYPE html>` is accepted when asked (the HTML page
// is written as a polyglot). Throws an Error naming the line and column of the first fault.

const NAME_START = 'A-Za-z_:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`, 'y');
const NOT_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const isCharCode = (c) => c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

/** parse `text`; returns the root element {name, attrs, children: (element | string)[]} */
export function parseXml(text, { doctype = false } = {}) {
  let i = 0;
  const fail = (msg) => {
    const before = text.slice(0, i);
    const line = before.split('\n').length, col = i - before.lastIndexOf('\n');
    throw new Error(`not well-formed XML: ${msg} at line ${line}, column ${col}: ${JSON.stringify(text.slice(i, i + 40))}`);
  };
  const bad = NOT_CHAR.exec(text);
  if (bad) { i = bad.index; fail(`character U+${bad[0].codePointAt(0).toString(16).toUpperCase()} is not allowed`); }
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const name = () => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) fail('a name expected');
    i += m[0].length;
    return m[0];
  };
  const decode = (s, at) => s.replace(/&([^;]*);|&/g, (all, ref) => {
    if (ref === undefined) { i = at; fail("a bare '&'"); }
    if (ref in ENTITIES) return ENTITIES[ref];
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!m) { i = at; fail(`unknown entity &${ref};`); }
    const c = m[1] ? parseInt(m[1], 16) : parseInt(m[2], 10);
    if (!isCharCode(c)) { i = at; fail(`reference to a character XML does not allow (&${ref};)`); }
    return String.fromCodePoint(c);
  });
  const comment = () => {
    const end = text.indexOf('-->', i + 4);
    if (end < 0) fail('unterminated comment');
    if (text.slice(i + 4, end).includes('--') || text[end - 1] === '-') fail("'--' inside a comment");
    i = end + 3;
  };
  const pi = () => {
    const end = text.indexOf('?>', i + 2);
    if (end < 0) fail('unterminated processing instruction');
    i = end + 2;
  };
  const misc = () => {
    for (;;) {
      ws();
      if (text.startsWith('<!--', i)) comment();
      else if (text.startsWith('<?', i)) pi();
      else return;
    }
  };
  const element = () => {
    if (text[i] !== '<') fail("'<' expected");
    i++;
    const tag = name();
    const attrs = {};
    for (;;) {
      const hadWs = i < text.length && ' \t\r\n'.includes(text[i]);
      ws();
      if (text.startsWith('/>', i)) { i += 2; return { name: tag, attrs, children: [] }; }
      if (text[i] === '>') { i++; break; }
      if (!hadWs) fail('whitespace expected between attributes');
      const an = name();
      ws();
      if (text[i] !== '=') fail("'=' expected");
      i++;
      ws();
      const q = text[i];
      if (q !== '"' && q !== "'") fail('a quoted attribute value expected');
      const end = text.indexOf(q, i + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = text.slice(i + 1, end);
      if (raw.includes('<')) fail("'<' in an attribute value");
      if (an in attrs) fail(`attribute ${an} given twice`);
      attrs[an] = decode(raw, i);
      i = end + 1;
    }
    const children = [];
    for (;;) {
      if (i >= text.length) fail(`<${tag}> is never closed`);
      if (text.startsWith('</', i)) {
        i += 2;
        const close = name();
        if (close !== tag) fail(`</${close}> closes <${tag}>`);
        ws();
        if (text[i] !== '>') fail("'>' expected");
        i++;
        return { name: tag, attrs, children };
      }
      if (text.startsWith('<!--', i)) comment();
      else if (text.startsWith('<![CDATA[', i)) {
        const end = text.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA section');
        children.push(text.slice(i + 9, end));
        i = end + 3;
      } else if (text.startsWith('<?', i)) pi();
      else if (text[i] === '<') children.push(element());
      else {
        const end = text.indexOf('<', i);
        const raw = text.slice(i, end < 0 ? text.length : end);
        if (raw.includes(']]>')) { i += raw.indexOf(']]>'); fail("']]>' in text"); }
        children.push(decode(raw, i));
        i += raw.length;
      }
    }
  };
  if (text.startsWith('<?xml', i)) pi();
  misc();
  if (text.startsWith('<!DOCTYPE', i)) {
    if (!doctype) fail('a DOCTYPE (not expected here)');
    const m = /^<!DOCTYPE\s+html\s*>/.exec(text.slice(i));
    if (!m) fail('only <!DOCTYPE html> is understood');
    i += m[0].length;
    misc();
  }
  const root = element();
  misc();
  if (i !== text.length) fail('content after the root element');
  return root;
}

/** every element under `node` (itself included) for which pred(element) is true, in document order */
export function findAll(node, pred, out = []) {
  if (typeof node === 'string') return out;
  if (pred(node)) out.push(node);
  for (const c of node.children) findAll(c, pred, out);
  return out;
}

/** the concatenated text of a node */
export const textOf = (node) => (typeof node === 'string' ? node : node.children.map(textOf).join(''));
