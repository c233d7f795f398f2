package petitions

import (
	"context"
	"fmt"
	"iter"
)

// BulkCase is one new case as a bulk load writes it: its document as it
// stands after its history, the history itself, and its sessions.
//
// Events are unsealed and in order, each with CaseID set to the case's id;
// the store seals them after the tip of the ledger, one case after the
// other, exactly as appending them one at a time would. Petition.Version is
// the version the store records (1 plus the number of updates).
type BulkCase struct {
	Petition *Petition
	Events   []*Event
	Sessions []*Session
	// Facts are the case's statistics facts as of its last event, nil for
	// none; the store writes them, resolving their units, and rebuilds the
	// sums once the load is done.
	Facts *CaseFacts
}

// BulkStats counts what a bulk load wrote.
type BulkStats struct {
	Cases    int
	Events   int
	Sessions int
}

// BulkLoader is a store that can write many new cases at once, far faster
// than CreatePetition and UpdatePetition, for imports and benchmarks. It
// fills the worklist columns and side tables as CreatePetition does, writes
// the cases' statistics facts and their sums, and refuses to go on if anyone else appends to the history meanwhile. What
// it wrote before an error stays written, in whole batches of cases.
type BulkLoader interface {
	BulkLoad(ctx context.Context, cases iter.Seq2[*BulkCase, error]) (BulkStats, error)
}

// SealCase checks c and seals its events in order after prev, the last
// event of the ledger (nil for an empty one), as the case's first events:
// each gets c's case id, the next sequence number and both chain links. It
// returns the last event sealed, or prev when c has none. On error the
// events may be partly sealed.
func SealCase(prev *Event, c *BulkCase) (*Event, error) {
	if c == nil || len(c.Events) == 0 {
		return nil, &Error{Code: EINVALID, Message: "A bulk-loaded case needs its document and at least one event."}
	}
	if err := CheckStorable(c.Petition, c.Events[0]); err != nil {
		return nil, err
	}
	var casePrev *Event
	for _, e := range c.Events {
		e.CaseID = c.Petition.ID
		if err := Seal(prev, casePrev, e); err != nil {
			return nil, fmt.Errorf("%w: %w", Errorf(EINVALID, "An event of case %s cannot be recorded: %v.", c.Petition.ID, err), err)
		}
		prev, casePrev = e, e
	}
	return prev, nil
}
