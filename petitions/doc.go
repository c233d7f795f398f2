// Package petitions is the ledger domain (信访台账): petitions and disputes,
// their lifecycles and deadlines, sessions, and the append-only, hash-chained
// history. Its stores live in petitions/sqlite and petitions/postgres.
// The ledger arrives with issue 3; this package holds its place in the layout.
package petitions
