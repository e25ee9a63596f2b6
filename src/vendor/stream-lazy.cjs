// LiquidJS requires Node's stream module at load for renderToNodeStream, which playbook never
// calls: it renders with the synchronous renderer. Loading streams costs a few milliseconds on
// every Markdown and HTML summary. The build points LiquidJS's `require('stream')` here, so
// streams load only if a PassThrough is ever made.
'use strict';
module.exports = {
  get PassThrough() {
    return require('node:stream').PassThrough;
  },
};
