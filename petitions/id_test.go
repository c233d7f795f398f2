package petitions

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNewIDsAreTimeOrderedUUIDs(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if a, b := NewID(time.Unix(1, 0)), NewID(time.Unix(2, 0)); a >= b {
		t.Errorf("ids do not sort by time: %s, %s", a, b)
	}
	at := time.UnixMilli(1795000000123)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID(at)
		if !uuid.MatchString(id) {
			t.Fatalf("id %q is not a version 7 UUID", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		ms, err := strconv.ParseInt(strings.ReplaceAll(id[:13], "-", ""), 16, 64)
		if err != nil || ms != at.UnixMilli() {
			t.Fatalf("id %q carries %d ms, want %d (%v)", id, ms, at.UnixMilli(), err)
		}
	}
}
