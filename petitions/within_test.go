package petitions

import (
	"maps"
	"slices"
	"testing"
)

func TestWithin(t *testing.T) {
	parents := map[string]string{"county": "", "town": "county", "village": "town", "dept": "county"}
	for _, c := range []struct {
		units []string
		want  []string
	}{
		{[]string{"village"}, []string{"county", "town", "village"}},
		{[]string{"dept", "", "village"}, []string{"county", "dept", "town", "village"}},
		{[]string{"town", "town", "village"}, []string{"county", "town", "village"}},
		{[]string{"unknown"}, []string{"unknown"}},
		{[]string{"", ""}, nil},
	} {
		if got := Within(parents, c.units...); !slices.Equal(got, c.want) {
			t.Errorf("Within(%q) = %q, want %q", c.units, got, c.want)
		}
	}
	// A cycle (never made by CreateUnit) does not loop.
	if got := Within(map[string]string{"a": "b", "b": "a"}, "a"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Within of a cycle = %q", got)
	}
}

// TestUnitParentsLoadsOnUnknown checks that the copy of the parents is read
// once, and again only for a unit it does not know.
func TestUnitParentsLoadsOnUnknown(t *testing.T) {
	loads := 0
	db := map[string]string{"county": "", "town": "county"}
	load := func() (map[string]string, error) {
		loads++
		return maps.Clone(db), nil
	}
	var p UnitParents
	for range 3 {
		if got, _ := p.Within(load, "town"); !slices.Equal(got, []string{"county", "town"}) {
			t.Fatalf("Within = %q", got)
		}
	}
	if loads != 1 {
		t.Fatalf("%d loads for a known unit, want 1", loads)
	}
	db["village"] = "town" // made since, perhaps by another server
	if got, _ := p.Within(load, "village", ""); !slices.Equal(got, []string{"county", "town", "village"}) {
		t.Fatalf("Within after a new unit = %q", got)
	}
	if loads != 2 {
		t.Fatalf("%d loads after a new unit, want 2", loads)
	}
}
