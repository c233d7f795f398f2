package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/sqlite"
)

func TestLookup(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, db, demo.Config{Seed: 3, Cases: 40}); err != nil {
		t.Fatal(err)
	}
	cases, err := db.ListPetitions(ctx, petitions.PetitionFilter{Limit: 50})
	if err != nil || len(cases) == 0 {
		t.Fatalf("cases: %v %d", err, len(cases))
	}
	var p *petitions.Petition
	for _, c := range cases {
		if c.QueryCode != "" && len(c.Parties) > 0 && c.Parties[0].Name != "" {
			p = c
			break
		}
	}
	if p == nil {
		t.Fatal("no demo case with a query code and a named party")
	}
	h := New(Options{Lookup: &Lookup{Cases: db, Limiter: petitions.NewSignInLimiter(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body string) (int, string) {
		resp, err := http.Post(srv.URL+"/api/v1/lookup", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	before, _ := db.Events(ctx, p.ID)
	code, body := post(`{"case_no":"` + p.CaseNo + `","query_code":" ` + strings.ToLower(p.QueryCode) + ` "}`)
	if code != 200 || !strings.Contains(body, p.CaseNo) || !strings.Contains(body, string(p.State)) {
		t.Fatalf("lookup = %d %s", code, body)
	}
	// The receipt carries nothing about the parties or the facts.
	for _, secret := range []string{p.Parties[0].Name, "138-0000", p.Request, p.QueryCode} {
		if secret != "" && strings.Contains(body, secret) {
			t.Errorf("the receipt shows %q: %s", secret, body)
		}
	}
	after, _ := db.Events(ctx, p.ID)
	if len(after) != len(before)+1 || after[len(after)-1].Kind != "read" || after[len(after)-1].ActorRole != string(petitions.RolePetitioner) {
		t.Errorf("the lookup was not logged as a read: %d -> %d events", len(before), len(after))
	}

	_, notFound := post(`{"case_no":"no-such-case","query_code":"ABCD2345"}`)
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"case_no":"` + p.CaseNo + `","query_code":"WRONG234"}`, 404},
		{`{"case_no":"no-such-case","query_code":"ABCD2345"}`, 404},
		{`{"case_no":"","query_code":""}`, 400},
		{`{"case_no":1}`, 400},
	} {
		c, b := post(tc.body)
		if c != tc.code {
			t.Errorf("lookup %s = %d %s, want %d", tc.body, c, b, tc.code)
		}
		if c == 404 && b != notFound {
			t.Errorf("a wrong code and an unknown number answer differently: %s vs %s", b, notFound)
		}
	}
	limited := false
	for i := 0; i < 10 && !limited; i++ {
		c, _ := post(`{"case_no":"` + p.CaseNo + `","query_code":"GUESS` + string(rune('A'+i)) + `23"}`)
		limited = c == http.StatusTooManyRequests
	}
	if !limited {
		t.Error("guessing query codes was never limited")
	}
	resp, err := http.Get(srv.URL + "/lookup")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("查询码")) {
		t.Errorf("GET /lookup = %d", resp.StatusCode)
	}
}
