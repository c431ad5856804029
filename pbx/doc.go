// Package pbx is Obelisk's composition root: it loads every configuration
// file into one Config snapshot, opens the bbolt store, builds the dialplan
// engine and the services, and swaps in a new snapshot on reload only when
// it loads without errors, so a running switch keeps its last good
// configuration.
package pbx
