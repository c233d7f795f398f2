package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"hearingroom/petitions"
)

// SupervisionPeriod is the time the handling unit has to answer a 督办 in
// writing (信访条例 2005 Art. 36: 30 days).
const SupervisionPeriod = 30

// SummonReport is how long a summoned department has to report in, by the
// summons' level (吹哨报到; Beijing Huairou's three whistles): an emergency at
// once, a quick whistle the same day, a tough one within three days.
var SummonReport = map[petitions.SummonLevel]time.Duration{
	petitions.SummonEmergency: 30 * time.Minute,
	petitions.SummonQuick:     24 * time.Hour,
	petitions.SummonTough:     72 * time.Hour,
}

// SuperviseRequest is a 督办.
type SuperviseRequest struct {
	Reason      string `json:"reason"`
	Instruction string `json:"instruction,omitempty"`
	// Due is the China date ("2006-01-02") by which the written answer is
	// due, from tomorrow to MaxSupervisionDays ahead; "" for
	// SupervisionPeriod days (Art. 36), pushed past rest days.
	Due     string `json:"due,omitempty"`
	Version int64  `json:"version,omitempty"`
}

// MaxSupervisionDays bounds how far ahead a supervisor may set the answer
// of a 督办 due.
const MaxSupervisionDays = 90

// FeedbackRequest answers a 督办.
type FeedbackRequest struct {
	Text    string `json:"text"`
	Adopted bool   `json:"adopted,omitempty"`
	Version int64  `json:"version,omitempty"`
}

// SummonRequest is a 吹哨: the departments called and the urgency.
type SummonRequest struct {
	Level       petitions.SummonLevel `json:"level"`
	Departments []string              `json:"departments"`
	Reason      string                `json:"reason,omitempty"`
	Version     int64                 `json:"version,omitempty"`
}

// Supervise urges case id (督办): the case is supervised until the handling
// unit's feedback, due on the date the supervisor sets (r.Due) or in
// SupervisionPeriod days. Only an active case can be
// supervised (ECONFLICT otherwise); the reason is required.
func (s *Service) Supervise(ctx context.Context, a petitions.Actor, id string, r SuperviseRequest) (*CaseView, error) {
	if strings.TrimSpace(r.Reason) == "" {
		return nil, invalid("reason", "required: why the case is urged")
	}
	var due time.Time
	if r.Due != "" {
		d, err := time.ParseInLocation(time.DateOnly, r.Due, petitions.ChinaTime)
		if err != nil {
			return nil, invalid("due", "must be a date, YYYY-MM-DD")
		}
		due = d
	}
	return s.overlay(ctx, a, id, petitions.ActSupervise, r.Version, KindSupervised, func(p *petitions.Petition, now time.Time) (any, error) {
		days := SupervisionPeriod
		nominal, adjusted := s.cal.AddDays(now, SupervisionPeriod)
		if !due.IsZero() {
			days = int(due.Sub(petitions.ChinaDate(now)).Hours()+12) / 24
			if days < 1 || days > MaxSupervisionDays {
				return nil, invalid("due", fmt.Sprintf("must be from tomorrow to %d days ahead", MaxSupervisionDays))
			}
			nominal, adjusted = due, due
		}
		sup := petitions.Supervision{By: a.ID, Reason: r.Reason, Instruction: r.Instruction, IssuedAt: now,
			Due: petitions.Deadline{Step: "supervision", Start: now, Days: days, Nominal: nominal,
				Adjusted: adjusted, Citation: "信访条例(2005) 第36条"}}
		p.Supervisions = append(p.Supervisions, sup)
		return map[string]any{"index": len(p.Supervisions) - 1, "supervision": sup}, nil
	})
}

// Feedback records the handling unit's written answer to supervision
// number index of case id. Whoever may act on the case may answer;
// answering twice, or an index out of range, is ECONFLICT or ENOTFOUND.
func (s *Service) Feedback(ctx context.Context, a petitions.Actor, id string, index int, r FeedbackRequest) (*CaseView, error) {
	if strings.TrimSpace(r.Text) == "" {
		return nil, invalid("text", "required: the written answer")
	}
	return s.overlay(ctx, a, id, petitions.ActTransition, r.Version, KindFeedback, func(p *petitions.Petition, now time.Time) (any, error) {
		if index < 0 || index >= len(p.Supervisions) {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "The case has no supervision %d.", index)
		}
		sup := &p.Supervisions[index]
		if !sup.FeedbackAt.IsZero() {
			return nil, petitions.Errorf(petitions.ECONFLICT, "Supervision %d was answered at %s.", index, sup.FeedbackAt.Format(time.DateTime))
		}
		sup.FeedbackAt, sup.Adopted = now, r.Adopted
		return map[string]any{"index": index, "text": r.Text, "adopted": r.Adopted, "late": sup.Due.Passed(now)}, nil
	})
}

// Summon calls departments into case id (吹哨). Each must be a department of
// the tree; they report in with ReportIn before SummonReport of the level.
func (s *Service) Summon(ctx context.Context, a petitions.Actor, id string, r SummonRequest) (*CaseView, error) {
	due, ok := SummonReport[r.Level]
	if !ok {
		return nil, invalid("level", "must be quick (快捷哨), emergency (应急哨) or tough (攻坚哨)")
	}
	if len(r.Departments) == 0 {
		return nil, invalid("departments", "required: at least one department")
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	for i, d := range r.Departments {
		u, ok := tree.Unit(d)
		if !ok || u.Level != petitions.UnitDepartment || slices.Contains(r.Departments[:i], d) {
			return nil, invalid(fmt.Sprintf("departments[%d]", i), fmt.Sprintf("%q is not a department, or is named twice", d))
		}
	}
	return s.overlay(ctx, a, id, petitions.ActSummon, r.Version, KindSummoned, func(p *petitions.Petition, now time.Time) (any, error) {
		sm := petitions.Summons{Level: r.Level, By: a.ID, IssuedAt: now, ReportDue: now.Add(due)}
		for _, d := range r.Departments {
			sm.Departments = append(sm.Departments, petitions.SummonedUnit{UnitID: d})
		}
		p.Summons = append(p.Summons, sm)
		return map[string]any{"index": len(p.Summons) - 1, "summons": sm, "reason": r.Reason}, nil
	})
}

// ReportIn records that department unit reported in to summons index of
// case id (报到). Only staff of that department (or the dispatcher) may
// report it; reporting twice is ECONFLICT.
func (s *Service) ReportIn(ctx context.Context, a petitions.Actor, id string, index int, unit string, version int64) (*CaseView, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	mayReport := slices.ContainsFunc(a.Roles, func(g petitions.RoleGrant) bool {
		return g.Role == petitions.RoleDispatcher || (g.Role == petitions.RoleDepartment && tree.IsWithin(unit, g.Unit))
	})
	if !mayReport {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: only the summoned department reports in.")
	}
	return s.overlay(ctx, a, id, petitions.ActReadCase, version, KindReportedIn, func(p *petitions.Petition, now time.Time) (any, error) {
		if index < 0 || index >= len(p.Summons) {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "The case has no summons %d.", index)
		}
		sm := &p.Summons[index]
		for i := range sm.Departments {
			d := &sm.Departments[i]
			if d.UnitID != unit {
				continue
			}
			if !d.ReportedAt.IsZero() {
				return nil, petitions.Errorf(petitions.ECONFLICT, "%s reported in at %s.", unit, d.ReportedAt.Format(time.DateTime))
			}
			d.ReportedAt = now
			return map[string]any{"index": index, "unit": unit, "late": !sm.ReportDue.IsZero() && now.After(sm.ReportDue)}, nil
		}
		return nil, petitions.Errorf(petitions.ENOTFOUND, "Summons %d did not call %s.", index, unit)
	})
}

// overlay loads case id for act, lets change record an overlay on it, and
// stores the case with an event of kind whose data change returns. A case
// that is not active refuses every overlay but a report-in.
func (s *Service) overlay(ctx context.Context, a petitions.Actor, id string, act petitions.Action, version int64, kind string,
	change func(p *petitions.Petition, now time.Time) (any, error)) (*CaseView, error) {
	p, tree, _, err := s.load(ctx, a, id, act)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != p.Version {
		return nil, petitions.Errorf(petitions.ECONFLICT, "The case changed since version %d; it is at version %d: read it again.", version, p.Version)
	}
	if lc := s.lcs[p.Kind]; kind != KindReportedIn && kind != KindFeedback && !lc.Active(p.State) {
		return nil, petitions.Errorf(petitions.ECONFLICT, "A case that is %s is no longer handled.", p.State)
	}
	stored := p.Version
	data, err := change(p, s.now())
	if err != nil {
		return nil, err
	}
	ev, err := s.event(kind, a, "", data)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdatePetition(ctx, p, stored, ev); err != nil {
		return nil, err
	}
	s.refreshFacts(ctx, p)
	return s.view(a, p, tree, petitions.Decide(a, petitions.ActReadCase, p, tree).Redact), nil
}

// invalid returns EINVALID for one field.
func invalid(field, msg string) error {
	e := petitions.Errorf(petitions.EINVALID, "The request is not complete or not valid.")
	e.Fields = map[string]string{field: msg}
	return e
}
