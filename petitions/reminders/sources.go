package reminders

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"hearingroom/petitions"
)

// Cases gives a Dispatcher the cases to scan.
type Cases interface {
	// OpenCases calls fn for each case in an active state, with the
	// lifecycle of its kind. If fn returns an error, OpenCases stops and
	// returns it.
	OpenCases(ctx context.Context, fn func(p *petitions.Petition, lc *petitions.Lifecycle) error) error
}

// People gives a Dispatcher the people of a unit to remind besides a case's
// owner and assignees.
type People interface {
	// PeopleOf returns the ids of the people reminded of the cases unit
	// leads.
	PeopleOf(ctx context.Context, unit string) ([]string, error)
}

// StoreCases returns the Cases of a store: its cases page by page, each
// with lifecycle(its kind), those of an unknown kind or in an inactive state
// left out. A casework.Service gives both: StoreCases(svc.Store(),
// svc.Lifecycle).
func StoreCases(store petitions.Store, lifecycle func(petitions.Kind) *petitions.Lifecycle) Cases {
	return storeCases{store, lifecycle}
}

type storeCases struct {
	store     petitions.Store
	lifecycle func(petitions.Kind) *petitions.Lifecycle
}

func (s storeCases) OpenCases(ctx context.Context, fn func(*petitions.Petition, *petitions.Lifecycle) error) error {
	f := petitions.PetitionFilter{Limit: petitions.MaxListLimit}
	for {
		page, err := s.store.ListPetitions(ctx, f)
		if err != nil {
			return fmt.Errorf("reminders: cases: %w", err)
		}
		for _, p := range page {
			lc := s.lifecycle(p.Kind)
			if lc == nil || !lc.Active(p.State) {
				continue
			}
			if err := fn(p, lc); err != nil {
				return err
			}
		}
		if len(page) < f.ListLimit() {
			return nil
		}
		f.After = page[len(page)-1].ID
	}
}

// UnitRoles are the roles whose holders for a case's lead unit StorePeople
// reminds: its township officials and its department staff.
var UnitRoles = []petitions.Role{petitions.RoleTownship, petitions.RoleDepartment}

// StorePeople returns the People of a store: the enabled people holding one
// of UnitRoles for the unit itself.
func StorePeople(store petitions.Store) People { return storePeople{store} }

type storePeople struct{ store petitions.Store }

func (s storePeople) PeopleOf(ctx context.Context, unit string) ([]string, error) {
	if unit == "" {
		return nil, nil
	}
	people, err := s.store.People(ctx, unit)
	if err != nil {
		return nil, fmt.Errorf("reminders: people of %s: %w", unit, err)
	}
	var ids []string
	for _, p := range people {
		if !p.Disabled && slices.ContainsFunc(p.Roles, func(g petitions.RoleGrant) bool {
			return g.Unit == unit && slices.Contains(UnitRoles, g.Role)
		}) {
			ids = append(ids, p.ID)
		}
	}
	return ids, nil
}

// ParseOffsets reads a list of due_soon offsets such as "3d,1d" or
// "72h,4h": comma-separated, each a number of days with the suffix d or a
// time.ParseDuration string, all positive. An empty string gives none (an
// empty slice, not nil: Config takes nil for DefaultOffsets).
func ParseOffsets(s string) ([]time.Duration, error) {
	offsets := []time.Duration{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		var d time.Duration
		var err error
		if days, ok := strings.CutSuffix(item, "d"); ok {
			var n int
			n, err = strconv.Atoi(days)
			d = time.Duration(n) * Day
		} else {
			d, err = time.ParseDuration(item)
		}
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("reminders: offset %q is not a positive number of days (3d) or a duration (36h)", item)
		}
		offsets = append(offsets, d)
	}
	return offsets, nil
}
