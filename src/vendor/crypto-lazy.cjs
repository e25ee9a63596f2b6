// LiquidJS requires crypto at load for its sha256 and hmac_sha256 filters, which few templates
// use; loading it costs about ten milliseconds on every summary. The build points LiquidJS's
// `require('crypto')` here, so the module loads only when a template calls one of those filters.
'use strict';
module.exports = {
  createHash: (...args) => require('node:crypto').createHash(...args),
  createHmac: (...args) => require('node:crypto').createHmac(...args),
};
