package petitions

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of p: changing the copy, its slices, maps or
// nested records never changes p. Nil slices and maps stay nil.
func (p *Petition) Clone() *Petition {
	c := *p
	c.Parties = slices.Clone(p.Parties)
	c.Representatives = slices.Clone(p.Representatives)
	c.CoUnits = slices.Clone(p.CoUnits)
	c.Assignments = slices.Clone(p.Assignments)
	c.Deadlines = maps.Clone(p.Deadlines)
	c.Decision = clonePtr(p.Decision)
	c.Transfers = slices.Clone(p.Transfers)
	c.Extension = clonePtr(p.Extension)
	c.Reply = clonePtr(p.Reply)
	c.Reviews = slices.Clone(p.Reviews)
	c.Notices = slices.Clone(p.Notices)
	c.Archive = clonePtr(p.Archive)
	c.LegalHold = clonePtr(p.LegalHold)
	c.Supervisions = slices.Clone(p.Supervisions)
	c.Summons = slices.Clone(p.Summons)
	for i := range c.Summons {
		c.Summons[i].Departments = slices.Clone(c.Summons[i].Departments)
	}
	c.FollowUps = slices.Clone(p.FollowUps)
	c.Ratings = slices.Clone(p.Ratings)
	c.Links = slices.Clone(p.Links)
	c.Attachments = slices.Clone(p.Attachments)
	if p.Mediation != nil {
		m := *p.Mediation
		m.Declines = slices.Clone(m.Declines)
		m.MediatorIDs = slices.Clone(m.MediatorIDs)
		if m.Agreement != nil {
			a := *m.Agreement
			a.Parties = slices.Clone(a.Parties)
			a.Signatures = slices.Clone(a.Signatures)
			m.Agreement = &a
		}
		if m.Confirmation != nil {
			j := *m.Confirmation
			j.Applicants = slices.Clone(j.Applicants)
			m.Confirmation = &j
		}
		c.Mediation = &m
	}
	return &c
}

// clonePtr returns a pointer to a copy of *v, or nil.
func clonePtr[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}
