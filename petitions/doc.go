// Package petitions is the ledger domain (信访台账): petitions and disputes
// (一案一档), both lifecycles as data (信访条例 and 人民调解法) with their
// guards and legal deadlines, the legal day-counting calendar, and the
// append-only, hash-chained history that `ledger verify` checks, and the
// media sessions (hearings, mediations, caucuses, monitoring) that
// SessionRecorder writes as the SFU reports them through media.Observer. It
// imports no driver; its stores live in petitions/sqlite and
// petitions/postgres.
package petitions
