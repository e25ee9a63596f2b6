// cli-table3 measures every cell, line and word with string-width 4, whose first call compiles a
// very large emoji regular expression: more work than the rest of `playbook blockers`. Printable
// ASCII, the dashes, quotes and ellipsis of General Punctuation (U+2010 to U+2027, where cli-table3's
// "…" comes from) and box drawing are one column per character and hold no emoji, so such text is
// answered at once. Anything else (colour codes, wide characters, emoji, combining marks) still goes
// to string-width itself; test/unit/string-width-ascii.test.ts checks the two agree.
// The build points cli-table3's `require('string-width')` here (scripts/build.mjs).
'use strict';
const stringWidth = require('string-width');

const NARROW = /^[\x20-\x7e\u2010-\u2027\u2500-\u257f]*$/;

function width(text) {
  return typeof text === 'string' && NARROW.test(text) ? text.length : stringWidth(text);
}

module.exports = width;
module.exports.default = width;
