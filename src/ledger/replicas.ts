// The ledger on disk, shared by a team. A replica is one copy of the ledger on one machine (a clone
// of a repository, or a synced folder on one laptop); each appends only to its own file, so git and
// sync engines never have to merge a file that two machines wrote:
//
//   <dir>/ledger.json              {"schemaVersion":2}: says the ledger is here, and which format
//   <dir>/events/<replica>.jsonl    one event per line, appended only by that replica
//   <dir>/.gitattributes, .gitignore  written by `init --local` and `playbook team` (team.ts)
//
// Readers read every events/*.jsonl whatever its name (a sync client's "conflicted copy" only repeats
// lines), drop repeated events, and order them by id (clock.ts). What belongs to one machine stays out
// of the shared folder, under $XDG_STATE_HOME/playbook/ledgers/<hash of the ledger's path>/: the
// replica's name, the current cycle, the lock, and the version-1 file a conversion replaced.
//
// Guarantees (QUALITY.md, "Never lose or corrupt the ledger"):
// - a change is one write of whole lines to the end of the replica's own file, then fsync; each line
//   but the last of a change says how many follow (`more`), so `kill -9` at any moment leaves the old
//   state or the new one: a cut-off change is skipped, and cut off the file by the next write;
// - writes of one replica are serialised by one lock; replicas never write each other's files;
// - a ledger that fails to parse or validate is never written to; the files are 0600, new folders 0700.
//
// The store is in five files: replica-layout.ts (where the files are, this machine's state),
// replica-read.ts, replica-lines.ts, replica-append.ts and replica-import.ts.
export * from './replica-layout.js';
export * from './replica-read.js';
export { damaged } from './replica-lines.js';
export * from './replica-append.js';
export * from './replica-import.js';
