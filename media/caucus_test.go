package media

import "testing"

func TestCaucusRooms(t *testing.T) {
	for _, tc := range []struct {
		room, main string
		n          int
	}{
		{"mediation-7", "mediation-7", 0},
		{"mediation-7~caucus-1", "mediation-7", 1},
		{"mediation-7~caucus-9", "mediation-7", 9},
		{"mediation-7~caucus-10", "mediation-7~caucus-10", 0},
		{"mediation-7~caucus-0", "mediation-7~caucus-0", 0},
		{"mediation-7~caucus-01", "mediation-7~caucus-01", 0},
		{"mediation-7~caucus-x", "mediation-7~caucus-x", 0},
		{"mediation-7~caucus-", "mediation-7~caucus-", 0},
		{"~caucus-1", "~caucus-1", 0},
		{"a~caucus-1~caucus-2", "a~caucus-1~caucus-2", 0},
	} {
		if got := MainRoom(tc.room); got != tc.main {
			t.Errorf("MainRoom(%q) = %q, want %q", tc.room, got, tc.main)
		}
		if got := CaucusNumber(tc.room); got != tc.n {
			t.Errorf("CaucusNumber(%q) = %d, want %d", tc.room, got, tc.n)
		}
	}
	if r, ok := CaucusRoom("m", 3); !ok || r != "m~caucus-3" || !SameFamily(r, "m") {
		t.Errorf("CaucusRoom(m, 3) = %q, %v", r, ok)
	}
	for _, bad := range []struct {
		main string
		n    int
	}{{"m", 0}, {"m", 10}, {"", 1}, {"m~caucus-1", 1}} {
		if r, ok := CaucusRoom(bad.main, bad.n); ok {
			t.Errorf("CaucusRoom(%q, %d) = %q, want refused", bad.main, bad.n, r)
		}
	}
	if fam := FamilyRooms("m~caucus-4"); len(fam) != MaxCaucus+1 || fam[0] != "m" || fam[9] != "m~caucus-9" {
		t.Errorf("FamilyRooms = %v", fam)
	}
	if SameFamily("m", "m2~caucus-1") {
		t.Error("m and m2~caucus-1 are one family")
	}
}
