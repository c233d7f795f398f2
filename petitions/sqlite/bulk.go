package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"iter"

	"hearingroom/petitions"
)

// bulkBatch is how many cases BulkLoad writes per transaction.
const bulkBatch = 5000

var _ petitions.BulkLoader = (*DB)(nil)

// BulkLoad writes new cases bulkBatch at a time, each batch one
// transaction of prepared statements; see petitions.BulkLoader. The
// events are sealed in Go after the ledger's tip, which each transaction
// checks first; the worklist columns and side tables are written by
// writeListing, as CreatePetition writes them, and the facts as a new
// case's, their sums added up per batch.
func (db *DB) BulkLoad(ctx context.Context, cases iter.Seq2[*petitions.BulkCase, error]) (petitions.BulkStats, error) {
	var stats petitions.BulkStats
	var batch []*petitions.BulkCase
	for c, err := range cases {
		if err != nil {
			return stats, err
		}
		batch = append(batch, c)
		if len(batch) == bulkBatch {
			if err := db.writeBulk(ctx, batch, &stats); err != nil {
				return stats, err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return stats, db.writeBulk(ctx, batch, &stats)
	}
	return stats, nil
}

// writeBulk seals and writes one batch in one transaction, adding what it
// wrote to stats when it commits.
func (db *DB) writeBulk(ctx context.Context, batch []*petitions.BulkCase, stats *petitions.BulkStats) error {
	var n petitions.BulkStats
	err := db.tx1(ctx, func(tx *wtx) error {
		tip, err := lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events ORDER BY seq DESC LIMIT 1`)
		if err != nil {
			return internal(err, "bulk load: read the last event")
		}
		insCase, err := tx.PrepareContext(ctx, `INSERT INTO petitions
			(id, case_no, query_code_hash, lead_unit, state, kind, created_at, updated_at, version, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return internal(err, "bulk load: prepare")
		}
		defer insCase.Close()
		insEvent, err := tx.PrepareContext(ctx, `INSERT INTO ledger_events
			(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return internal(err, "bulk load: prepare")
		}
		defer insEvent.Close()
		insSession, err := tx.PrepareContext(ctx, `INSERT INTO sessions
			(id, kind, room, station, case_id, status, start_at, end_at, updated_at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return internal(err, "bulk load: prepare")
		}
		defer insSession.Close()
		now := db.now().UnixMicro()
		sums := petitions.NewFactSums()
		for _, c := range batch {
			if tip, err = petitions.SealCase(tip, c); err != nil {
				return err
			}
			p := c.Petition
			doc, err := json.Marshal(p)
			if err != nil {
				return internal(err, "case %s: encode", p.ID)
			}
			_, err = insCase.ExecContext(ctx, p.ID, p.CaseNo, petitions.QueryCodeHash(p.QueryCode), p.LeadUnit,
				string(p.State), string(p.Kind), now, now, p.Version, string(doc))
			if isUnique(err) {
				return petitions.Errorf(petitions.ECONFLICT, "A case with id %s or number %s exists.", p.ID, p.CaseNo)
			}
			if err != nil {
				return internal(err, "case %s: insert", p.ID)
			}
			if err := writeListing(ctx, tx, p); err != nil {
				return err
			}
			for _, e := range c.Events {
				_, err := insEvent.ExecContext(ctx, e.Seq, e.CaseID, e.CaseSeq, e.Kind, e.Actor, e.ActorRole,
					e.At.UnixMicro(), string(e.Data), e.PrevHash, e.CasePrevHash, e.Hash, e.CaseHash)
				if err != nil {
					return internal(err, "event %d: insert", e.Seq)
				}
			}
			for _, s := range c.Sessions {
				if err := s.Validate(); err != nil {
					return err
				}
				sdoc, err := json.Marshal(s)
				if err != nil {
					return internal(err, "session %s: encode", s.ID)
				}
				var end int64
				if !s.End.IsZero() {
					end = s.End.UnixMicro()
				}
				_, err = insSession.ExecContext(ctx, s.ID, string(s.Kind), s.Room, s.Station, s.CaseID, string(s.Status),
					s.Start.UnixMicro(), end, now, string(sdoc))
				if isUnique(err) {
					return petitions.Errorf(petitions.ECONFLICT, "Session %s exists.", s.ID)
				}
				if err != nil {
					return internal(err, "session %s: insert", s.ID)
				}
			}
			if f := c.Facts; f != nil {
				if f.CaseID != p.ID {
					return petitions.Errorf(petitions.EINVALID, "The facts are of case %s, not %s.", f.CaseID, p.ID)
				}
				add, err := db.writeNewFacts(ctx, tx, f)
				if err != nil {
					return err
				}
				sums.Merge(add)
			}
			n.Cases++
			n.Events += len(c.Events)
			n.Sessions += len(c.Sessions)
		}
		if err := addSums(ctx, tx, sums); err != nil {
			return internal(err, "bulk load: sums")
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, errRetry) {
			return petitions.Errorf(petitions.ECONFLICT, "The history changed during the bulk load; nothing more was loaded.")
		}
		return err
	}
	stats.Cases += n.Cases
	stats.Events += n.Events
	stats.Sessions += n.Sessions
	return nil
}
