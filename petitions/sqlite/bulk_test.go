package sqlite

import (
	"testing"

	"hearingroom/petitions/demo"
	"hearingroom/petitions/storetest"
)

func TestBulkLoad(t *testing.T) {
	storetest.TestBulkLoad(t, func(t *testing.T) demo.BulkStore { return MustOpenDB(t) })
}
