// cli-table3 measures every cell, line and word with string-width 4, whose first call compiles a
// very large emoji regular expression: more work than the rest of `playbook blockers`. Printable
// ASCII is exactly as wide as it is long, so that text is answered at once and anything else
// (colour codes, wide characters, emoji, combining marks) still goes to string-width itself.
// The build points cli-table3's `require('string-width')` here (scripts/build.mjs).
'use strict';
const stringWidth = require('string-width');

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function width(text) {
  return typeof text === 'string' && PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
}

module.exports = width;
module.exports.default = width;
