package casework

import (
	"context"
	"fmt"
	"io"
	"iter"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/ledgerexport"
)

// Formats of ExportLedger and MonthlyReport.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"  // ledger only
	FormatHTML = "html" // report only
)

// ExportFilter selects the cases of a ledger export (信访台账).
type ExportFilter struct {
	// From and To bound when a case was received: From ≤ ReceivedAt < To.
	// A zero bound is open.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Unit is a unit's id, code or name: only the cases that unit or a
	// unit under it handles, is summoned to, or that came from it. "" is
	// every case the reader may export: a leader's own unit.
	Unit string `json:"unit,omitempty"`
	// Format is FormatXLSX or FormatCSV.
	Format string `json:"format"`
}

// ReportFilter selects a monthly analysis report.
type ReportFilter struct {
	Month  time.Time `json:"month"`          // any instant of the month, China time
	Unit   string    `json:"unit,omitempty"` // as ExportFilter.Unit
	Format string    `json:"format"`         // FormatXLSX or FormatHTML
}

// ExportLedger writes the ledger of the cases f selects to w, as an .xlsx
// workbook or a CSV file (ledgerexport.WriteXLSX, WriteCSV), and returns
// how many rows it wrote. Only the cases the reader may read (Decide) are
// in it, every one redacted: no contact details, masked names, and no
// summary for a confidential case.
//
// The dispatcher and the auditor (ActExportLedger) may export any unit; a
// leader his own unit and the units under it. The export is logged
// (KindExport, ledger-level, with f) before anything is written, and again
// with the count when it ends or fails.
//
// It returns EINVALID (per field: format, to, unit) for a bad filter and
// EFORBIDDEN for a reader who may not export the unit; both before the
// first byte.
func (s *Service) ExportLedger(ctx context.Context, a petitions.Actor, f ExportFilter, w io.Writer) (int, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return 0, err
	}
	fields := map[string]string{}
	if f.Format != FormatXLSX && f.Format != FormatCSV {
		fields["format"] = "must be xlsx or csv"
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fields["to"] = "must be after from"
	}
	unit, err := s.exportUnit(a, f.Unit, tree, fields)
	if err != nil {
		return 0, err
	}
	log := map[string]any{"what": "ledger", "filter": f}
	if err := s.appendEvent(ctx, "", KindExport, a, "", with(log, "stage", "started")); err != nil {
		return 0, err
	}
	names := s.names(ctx, tree)
	received := func(p *petitions.Petition) bool {
		return (f.From.IsZero() || !p.ReceivedAt.Before(f.From)) && (f.To.IsZero() || p.ReceivedAt.Before(f.To))
	}
	// The store narrows by the received bounds (To a microsecond later:
	// it compares whole microseconds); received decides.
	// In the order the cases came in, as an office keeps its ledger, by
	// the received index: a township's year is read without walking the
	// whole ledger.
	base := petitions.PetitionFilter{ReceivedFrom: f.From, Sort: petitions.SortOldest}
	if !f.To.IsZero() {
		base.ReceivedTo = f.To.Add(time.Microsecond)
	}
	entries := s.ledgerEntries(ctx, a, tree, unit, base, received, s.now())
	var n int
	if f.Format == FormatCSV {
		n, err = ledgerexport.WriteCSV(w, names, entries)
	} else {
		n, err = ledgerexport.WriteXLSX(w, names, entries)
	}
	if err != nil {
		_ = s.appendEvent(ctx, "", KindExport, a, "", with(with(log, "stage", "failed"), "cases", n))
		return n, fmt.Errorf("casework: ledger export: %w", err)
	}
	return n, s.appendEvent(ctx, "", KindExport, a, "", with(with(log, "stage", "finished"), "cases", n))
}

// MonthlyReport writes the monthly analysis report (ledgerexport.Monthly)
// of f's month and unit to w, as a workbook or a printable page. It counts
// the cases the reader may read in the unit; overdue is judged at the end
// of the month (or now, if sooner) on each case as it stands now.
// Permissions, logging and errors are those of ExportLedger (fields month,
// format, unit).
func (s *Service) MonthlyReport(ctx context.Context, a petitions.Actor, f ReportFilter, w io.Writer) error {
	tree, err := s.Tree(ctx)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if f.Format != FormatXLSX && f.Format != FormatHTML {
		fields["format"] = "must be xlsx or html"
	}
	if f.Month.IsZero() {
		fields["month"] = "required"
	}
	unit, err := s.exportUnit(a, f.Unit, tree, fields)
	if err != nil {
		return err
	}
	from, to := ledgerexport.MonthOf(f.Month)
	log := map[string]any{"what": "monthly_report", "filter": ReportFilter{Month: from, Unit: f.Unit, Format: f.Format}}
	if err := s.appendEvent(ctx, "", KindExport, a, "", with(log, "stage", "started")); err != nil {
		return err
	}
	now := s.now()
	asOf := now
	if to.Before(now) {
		asOf = to
	}
	names := s.names(ctx, tree)
	before := func(p *petitions.Petition) bool { return p.ReceivedAt.Before(to) }
	m, err := ledgerexport.Tally(from, asOf, names, s.ledgerEntries(ctx, a, tree, unit, petitions.PetitionFilter{}, before, asOf))
	if err == nil {
		m.Generated = now
		if roots := tree.Roots(); len(roots) > 0 {
			m.County = unitName(tree, roots[0])
		}
		if unit != "" {
			m.Unit = unitName(tree, unit)
		}
		if f.Format == FormatHTML {
			err = ledgerexport.WriteMonthlyHTML(w, m)
		} else {
			err = ledgerexport.WriteMonthlyXLSX(w, m)
		}
	}
	if err != nil {
		_ = s.appendEvent(ctx, "", KindExport, a, "", with(log, "stage", "failed"))
		return fmt.Errorf("casework: monthly report: %w", err)
	}
	return s.appendEvent(ctx, "", KindExport, a, "", with(with(log, "stage", "finished"), "cases", m.Received))
}

// exportUnit resolves ref (a unit's id, code or name, or "") to the id of
// the unit an export by a covers, "" for the whole county, and decides
// whether a may export it: ActExportLedger for any unit, a leader for his
// unit and below ("" for a leader is his unit). fields holds the filter's
// other faults: any fault gives EINVALID, before the permission is
// decided.
func (s *Service) exportUnit(a petitions.Actor, ref string, tree *petitions.UnitTree, fields map[string]string) (string, error) {
	unit := ""
	if ref != "" {
		id, ok := tree.Resolve(ref)
		if !ok {
			fields["unit"] = "no unit has this id, code or name"
		}
		unit = id
	}
	if len(fields) > 0 {
		return "", &petitions.Error{Code: petitions.EINVALID, Message: "The export's filter is not valid.", Fields: fields}
	}
	if petitions.Decide(a, petitions.ActExportLedger, nil, tree).Allowed {
		if tree.IsRoot(unit) {
			unit = ""
		}
		return unit, nil
	}
	for _, g := range a.Roles {
		if g.Role != petitions.RoleLeader || g.Unit == "" {
			continue
		}
		if unit == "" || tree.IsWithin(unit, g.Unit) {
			if unit == "" {
				unit = g.Unit
			}
			if tree.IsRoot(unit) {
				unit = ""
			}
			return unit, nil
		}
	}
	return "", petitions.Errorf(petitions.EFORBIDDEN,
		"Not permitted: the ledger is exported by the dispatcher and the auditor, and by a leader for his own unit.")
}

// ledgerEntries yields, in base's order (id when it has none), the cases
// in unit ("" for all) within base's bounds that keep says to and a may
// read, redacted, with their deadline and whether they are overdue at now.
func (s *Service) ledgerEntries(ctx context.Context, a petitions.Actor, tree *petitions.UnitTree, unit string,
	base petitions.PetitionFilter, keep func(*petitions.Petition) bool, now time.Time) iter.Seq2[ledgerexport.Entry, error] {
	scope := petitions.Scope{AllUnits: unit == "", Units: tree.Subtree(unit)}
	return func(yield func(ledgerexport.Entry, error) bool) {
		// The store applies the scope and base's bounds, so that only the
		// cases of the unit are read and decoded; keep and Matches decide.
		sf := base
		sf.Scope, sf.After, sf.Limit = &scope, "", petitions.MaxListLimit
		for {
			batch, err := s.store.ListPetitions(ctx, sf)
			if err != nil {
				yield(ledgerexport.Entry{}, err)
				return
			}
			for _, p := range batch {
				sf.After = petitions.CursorOf(p, sf.Sort)
				if !keep(p) || !scope.Matches(p, tree) || !petitions.Decide(a, petitions.ActReadCase, p, tree).Allowed {
					continue
				}
				e := ledgerexport.Entry{Case: petitions.Redacted(p)}
				if lc := s.lcs[p.Kind]; lc != nil {
					e.Overdue = lc.Overdue(p, now)
					if d, ok := lc.Due(p); ok && lc.Active(p.State) {
						e.Due = d.Adjusted
					} else {
						e.Due = handlingDue(p)
					}
				}
				if !yield(e, nil) {
					return
				}
			}
			if len(batch) < sf.Limit {
				return
			}
		}
	}
}

// handlingDue returns the adjusted due day of a case's handling (with its
// extension) or mediation, zero when it never ran.
func handlingDue(p *petitions.Petition) time.Time {
	for _, step := range []petitions.Step{petitions.StepHandlingExtended, petitions.StepHandling, petitions.StepMediation} {
		if d, ok := p.Deadlines[step]; ok {
			return d.Adjusted
		}
	}
	return time.Time{}
}

// unitName returns the name of unit id, or the id.
func unitName(tree *petitions.UnitTree, id string) string {
	if u, ok := tree.Unit(id); ok {
		return u.Name
	}
	return id
}

// names returns the names an export shows; each leader's name is read from
// the store once, when first needed.
func (s *Service) names(ctx context.Context, tree *petitions.UnitTree) ledgerexport.Names {
	people := map[string]string{}
	return ledgerexport.Names{Tree: tree, Categories: s.cats, Person: func(id string) string {
		name, ok := people[id]
		if !ok {
			if p, err := s.store.Person(ctx, id); err == nil {
				name = p.Name
			}
			people[id] = name
		}
		return name
	}}
}

// with returns a copy of m with k set to v.
func with(m map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for kk, vv := range m {
		c[kk] = vv
	}
	c[k] = v
	return c
}
