package petitions

import "slices"

// UnitTree answers jurisdiction questions over the unit tree and knows which
// unit each station belongs to. Build it with NewUnitTree; it is not safe to
// change (SetStation) while it is read concurrently. A nil *UnitTree knows no
// units.
type UnitTree struct {
	units    map[string]*Unit
	children map[string][]string
	byRef    map[string]string // code or name → id
	stations map[string]string // station id → unit id
}

// NewUnitTree indexes units (nil entries are skipped; for a duplicate id the
// last wins). It does not check the tree's shape: ValidateUnits does.
func NewUnitTree(units []*Unit) *UnitTree {
	t := &UnitTree{units: map[string]*Unit{}, children: map[string][]string{},
		byRef: map[string]string{}, stations: map[string]string{}}
	for _, u := range units {
		if u != nil && u.ID != "" {
			t.units[u.ID] = u
		}
	}
	for id, u := range t.units {
		if u.ParentID != "" {
			t.children[u.ParentID] = append(t.children[u.ParentID], id)
		}
		for _, ref := range []string{u.Code, u.Name} {
			if ref != "" {
				t.byRef[ref] = id
			}
		}
	}
	return t
}

// SetStation records that station belongs to unit.
func (t *UnitTree) SetStation(station, unit string) { t.stations[station] = unit }

// StationUnit returns the unit station belongs to.
func (t *UnitTree) StationUnit(station string) (string, bool) {
	if t == nil || station == "" {
		return "", false
	}
	u, ok := t.stations[station]
	return u, ok
}

// Unit returns the unit with the given id.
func (t *UnitTree) Unit(id string) (*Unit, bool) {
	if t == nil {
		return nil, false
	}
	u, ok := t.units[id]
	return u, ok
}

// Resolve returns the id of the unit that ref names by id, by code (统计用区划代码)
// or by name, in that order of preference.
func (t *UnitTree) Resolve(ref string) (string, bool) {
	if t == nil || ref == "" {
		return "", false
	}
	if _, ok := t.units[ref]; ok {
		return ref, true
	}
	id, ok := t.byRef[ref]
	return id, ok
}

// Ancestors returns the ids of unit's parent, its parent's parent and so on
// up to the root; nil for a root or an unknown unit.
func (t *UnitTree) Ancestors(unit string) []string {
	var out []string
	u, ok := t.Unit(unit)
	for ok && u.ParentID != "" && len(out) <= len(t.units) { // the bound stops a cycle
		out = append(out, u.ParentID)
		u, ok = t.units[u.ParentID]
	}
	return out
}

// IsWithin reports whether unit is ancestor or lies under it. It is false
// when either is empty; a unit unknown to the tree is within itself only.
func (t *UnitTree) IsWithin(unit, ancestor string) bool {
	if unit == "" || ancestor == "" {
		return false
	}
	return unit == ancestor || slices.Contains(t.Ancestors(unit), ancestor)
}

// IsRoot reports whether unit is a known unit without a parent: the county.
func (t *UnitTree) IsRoot(unit string) bool {
	u, ok := t.Unit(unit)
	return ok && u.ParentID == ""
}

// Subtree returns unit and every unit under it, sorted; nil for an unknown
// unit.
func (t *UnitTree) Subtree(unit string) []string {
	if _, ok := t.Unit(unit); !ok {
		return nil
	}
	out := []string{unit}
	for i := 0; i < len(out) && len(out) <= len(t.units); i++ {
		out = append(out, t.children[out[i]]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Roots returns the ids of the units without a parent, sorted: the county,
// in a well-shaped tree.
func (t *UnitTree) Roots() []string {
	if t == nil {
		return nil
	}
	var out []string
	for id, u := range t.units {
		if u.ParentID == "" {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
