package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"hearingroom/petitions"
)

// CaseSessions returns the media sessions of case id (who took part, when,
// from where), and logs the read.
func (s *Service) CaseSessions(ctx context.Context, a petitions.Actor, id string) ([]*petitions.Session, error) {
	if _, _, _, err := s.load(ctx, a, id, petitions.ActReadSession); err != nil {
		return nil, err
	}
	var out []*petitions.Session
	f := petitions.SessionFilter{CaseID: id, Limit: petitions.MaxListLimit}
	for {
		ss, err := s.store.Sessions(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ss...)
		if len(ss) < f.Limit {
			break
		}
		f.After = ss[len(ss)-1].ID
	}
	if err := s.logRead(ctx, a, id, readLog{What: "sessions"}); err != nil {
		return nil, err
	}
	if out == nil {
		out = []*petitions.Session{}
	}
	return out, nil
}

// Session returns session id. A session of a case is read under the case's
// rules (and logged in its history); one without a case (a village calling
// in, not yet linked) may be read by whoever holds the station's unit, the
// dispatcher, the auditor and the county's leaders.
func (s *Service) Session(ctx context.Context, a petitions.Actor, id string) (*petitions.Session, error) {
	ss, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if ss.CaseID != "" {
		if _, _, _, err := s.load(ctx, a, ss.CaseID, petitions.ActReadSession); err != nil {
			return nil, err
		}
		if err := s.logRead(ctx, a, ss.CaseID, readLog{What: "session", Object: id}); err != nil {
			return nil, err
		}
		return ss, nil
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if !mayReadUnlinked(a, ss, tree) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no session %s.", id)
	}
	if err := s.appendEvent(ctx, "", KindRead, a, "", readLog{What: "session", Object: id}); err != nil {
		return nil, err
	}
	return ss, nil
}

// mayReadUnlinked decides the read of a session that belongs to no case.
func mayReadUnlinked(a petitions.Actor, ss *petitions.Session, tree *petitions.UnitTree) bool {
	unit, _ := tree.StationUnit(ss.Station)
	return slices.ContainsFunc(a.Roles, func(g petitions.RoleGrant) bool {
		switch g.Role {
		case petitions.RoleDispatcher, petitions.RoleAuditor:
			return true
		case petitions.RoleLeader:
			return tree.IsRoot(g.Unit) || tree.IsWithin(unit, g.Unit)
		case petitions.RoleTownship, petitions.RoleProxy, petitions.RoleGridWorker:
			return tree.IsWithin(unit, g.Unit)
		}
		return false
	})
}

// LinkSession attaches session sessionID, held without a case, to case
// caseID: whoever may act on the case and read the session may.
func (s *Service) LinkSession(ctx context.Context, a petitions.Actor, sessionID, caseID string) (*petitions.Session, error) {
	sess, err := s.Session(ctx, a, sessionID)
	if err != nil {
		return nil, err
	}
	if sess.Kind == petitions.SessionMonitoring {
		// A station watched while nobody is heard is no part of a case; the
		// hearing that follows in its room is a session of its own.
		return nil, invalid("session", "a monitoring session is not linked to a case")
	}
	if _, _, _, err := s.load(ctx, a, caseID, petitions.ActTransition); err != nil {
		return nil, err
	}
	ev, err := s.event(petitions.KindSessionLinked, a, "", map[string]string{"session": sessionID})
	if err != nil {
		return nil, err
	}
	if err := s.store.LinkSession(ctx, sessionID, caseID, ev); err != nil {
		return nil, err
	}
	return s.store.Session(ctx, sessionID)
}

// AccessLog returns the reads of case id (the auditor's question: who looked
// at this file, when, what). Reading the access log is itself logged.
func (s *Service) AccessLog(ctx context.Context, a petitions.Actor, id string) ([]*petitions.Event, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if err := petitions.Decide(a, petitions.ActReadAccessLog, nil, tree).Err(); err != nil {
		return nil, err
	}
	evs, err := s.store.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	reads := []*petitions.Event{}
	for _, e := range evs {
		if e.Kind == KindRead {
			reads = append(reads, e)
		}
	}
	if err := s.logRead(ctx, a, id, readLog{What: "access_log"}); err != nil {
		return nil, err
	}
	return reads, nil
}

// Export writes the cases f selects (f.Limit ignored: all of them) to w as
// JSON lines, each redacted: parties' contact details never leave in an
// export (信访条例 Art. 23; PIPL). The export is logged, with its filter and
// count, before the first line is written; the count is logged again when
// it ends.
func (s *Service) Export(ctx context.Context, a petitions.Actor, f ListFilter, w io.Writer) (int, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return 0, err
	}
	if err := petitions.Decide(a, petitions.ActExportLedger, nil, tree).Err(); err != nil {
		return 0, err
	}
	if err := s.appendEvent(ctx, "", KindExport, a, "", map[string]any{"filter": f, "stage": "started"}); err != nil {
		return 0, err
	}
	enc := json.NewEncoder(w)
	n := 0
	sf, err := storeFilter(f, petitions.ListScope(a, tree), tree, s.now())
	if err != nil {
		return 0, err
	}
	sf.After, sf.Limit = "", petitions.MaxListLimit
	for {
		batch, err := s.store.ListPetitions(ctx, sf)
		if err != nil {
			return n, err
		}
		for _, p := range batch {
			sf.After = petitions.CursorOf(p, sf.Sort)
			if !petitions.Decide(a, petitions.ActReadCase, p, tree).Allowed {
				continue
			}
			if err := enc.Encode(petitions.Redacted(p)); err != nil {
				return n, fmt.Errorf("casework: export: %w", err)
			}
			n++
		}
		if len(batch) < sf.Limit {
			break
		}
	}
	err = s.appendEvent(ctx, "", KindExport, a, "", map[string]any{"filter": f, "stage": "finished", "cases": n})
	return n, err
}

// Verify checks the whole history's hash chain (auditors); objects, if not
// nil, checks the recordings it references.
func (s *Service) Verify(ctx context.Context, a petitions.Actor, objects petitions.ObjectChecker) (petitions.Report, error) {
	if err := petitions.Decide(a, petitions.ActVerify, nil, nil).Err(); err != nil {
		return petitions.Report{}, err
	}
	rep, err := petitions.VerifyStore(ctx, s.store, objects)
	if err != nil {
		return rep, err
	}
	return rep, s.appendEvent(ctx, "", "ledger.verified", a, "", map[string]any{
		"events": rep.Events, "ok": rep.OK(), "last_seq": rep.LastSeq, "last_hash": rep.LastHash})
}
