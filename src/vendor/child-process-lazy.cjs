// commander requires node:child_process at load for executable subcommands, which playbook
// never uses; loading it pulls in net, dgram and their streams on every run. The build points
// commander's `require('node:child_process')` here, so the module loads only if spawn is called.
'use strict';
module.exports = {
  spawn: (...args) => require('node:child_process').spawn(...args),
};
