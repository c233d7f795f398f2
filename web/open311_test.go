package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"hearingroom/petitions"
)

// The structs below mirror GeoReport v2 (open311.org, GeoReport_v2): what a
// client of the spec decodes.
type geoService struct {
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	Description string `json:"description"`
	Metadata    *bool  `json:"metadata"`
	Type        string `json:"type"`
	Keywords    string `json:"keywords"`
	Group       string `json:"group"`
}

type geoRequest struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       string   `json:"status_notes"`
	ServiceName       string   `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       string   `json:"description"`
	AgencyResponsible string   `json:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime"`
	Address           string   `json:"address"`
	AddressID         string   `json:"address_id"`
	Zipcode           string   `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          string   `json:"media_url"`
}

type geoError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// geoGet gets path from srv and decodes its JSON into v.
func geoGet(t *testing.T, srv *httptest.Server, path string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %d %s: %v", path, resp.StatusCode, raw, err)
	}
	return resp
}

func TestOpen311(t *testing.T) {
	e := newAPIEnv(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(New(Options{Open311: &Open311{Cases: e.svc, Now: e.Now, Limit: 1000, Log: log}, Log: log}))
	t.Cleanup(srv.Close)

	var services []geoService
	if resp := geoGet(t, srv, "/open311/v2/services.json", &services); resp.StatusCode != http.StatusOK {
		t.Fatalf("services: %d", resp.StatusCode)
	}
	if len(services) != len(petitions.DefaultCategories()) {
		t.Errorf("%d services", len(services))
	}
	for _, s := range services {
		if s.ServiceCode == "" || s.ServiceName == "" || s.Metadata == nil || *s.Metadata || s.Type != "realtime" || s.Group == "" || s.Keywords == "" {
			t.Errorf("service %+v", s)
		}
	}

	all, err := e.db.ListPetitions(e.ctx, petitions.PetitionFilter{Limit: petitions.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	byNo := map[string]*petitions.Petition{}
	var hidden *petitions.Petition
	for _, p := range all {
		byNo[p.CaseNo] = p
		if hidden == nil && (p.Confidential || p.Class == petitions.ClassAccusation) {
			hidden = p
		}
	}

	var reqs []geoRequest
	q := url.Values{"page_size": {"100"}}
	if resp := geoGet(t, srv, "/open311/v2/requests.json?"+q.Encode(), &reqs); resp.StatusCode != http.StatusOK {
		t.Fatalf("requests: %d", resp.StatusCode)
	}
	if len(reqs) == 0 {
		t.Fatal("no public requests in the last 90 days")
	}
	for _, g := range reqs {
		p, ok := byNo[g.ServiceRequestID]
		switch {
		case !ok:
			t.Errorf("%s is no case", g.ServiceRequestID)
			continue
		case p.Confidential || p.Anonymous || p.Class == petitions.ClassAccusation:
			t.Errorf("%s is not public but listed", g.ServiceRequestID)
		case g.Description != p.SummaryPublic:
			t.Errorf("%s: description %q is not the public summary", g.ServiceRequestID, g.Description)
		case g.Status != "open" && g.Status != "closed", g.ServiceCode != p.Category, g.ServiceName == "", g.ServiceNotice == "":
			t.Errorf("request %+v", g)
		case g.Lat != nil || g.Long != nil || g.MediaURL != "" || g.AddressID != "" || g.Zipcode != "":
			t.Errorf("%s gives a position or media: %+v", g.ServiceRequestID, g)
		}
		if at, err := time.Parse(time.RFC3339, g.RequestedDatetime); err != nil || !at.Equal(p.ReceivedAt) || at.Before(apiDemoTo.AddDate(0, 0, -91)) {
			t.Errorf("%s: requested_datetime %q (%v), received %v", g.ServiceRequestID, g.RequestedDatetime, err, p.ReceivedAt)
		}
		if _, err := time.Parse(time.RFC3339, g.UpdatedDatetime); err != nil {
			t.Errorf("%s: updated_datetime %q", g.ServiceRequestID, g.UpdatedDatetime)
		}
		if u, ok := e.svc.Store().Unit(e.ctx, p.LeadUnit); ok == nil && g.AgencyResponsible != u.Name {
			t.Errorf("%s: agency %q, lead unit %s", g.ServiceRequestID, g.AgencyResponsible, u.Name)
		}
	}

	// One request, as a one-element list.
	var one []geoRequest
	if resp := geoGet(t, srv, "/open311/v2/requests/"+reqs[0].ServiceRequestID+".json", &one); resp.StatusCode != http.StatusOK ||
		len(one) != 1 || one[0] != reqs[0] {
		t.Errorf("one request: %d %+v", resp.StatusCode, one)
	}
	var errs []geoError
	if resp := geoGet(t, srv, "/open311/v2/requests/230227-1999-000001.json", &errs); resp.StatusCode != http.StatusNotFound ||
		len(errs) != 1 || errs[0].Code != 404 || errs[0].Description == "" {
		t.Errorf("unknown id: %d %+v", resp.StatusCode, errs)
	}

	// A confidential case is absent, however asked for.
	if hidden == nil {
		t.Fatal("the demo ledger has no confidential case to look for")
	}
	if resp := geoGet(t, srv, "/open311/v2/requests/"+hidden.CaseNo+".json", &errs); resp.StatusCode != http.StatusNotFound {
		t.Errorf("confidential %s: %d", hidden.CaseNo, resp.StatusCode)
	}
	var none []geoRequest
	geoGet(t, srv, "/open311/v2/requests.json?service_request_id="+hidden.CaseNo, &none)
	if len(none) != 0 {
		t.Errorf("confidential %s listed: %+v", hidden.CaseNo, none)
	}

	// Filters.
	var open []geoRequest
	geoGet(t, srv, "/open311/v2/requests.json?status=open&page_size=5&service_code="+reqs[0].ServiceCode, &open)
	if len(open) > 5 {
		t.Errorf("%d requests in a page of 5", len(open))
	}
	for _, g := range open {
		if g.Status != "open" || g.ServiceCode != reqs[0].ServiceCode {
			t.Errorf("filtered request %+v", g)
		}
	}
	if resp := geoGet(t, srv, "/open311/v2/requests.json?status=pending&page_size=500&start_date=2026-01-01&end_date=2026-10-01&service_code=nope", &errs); resp.StatusCode != http.StatusBadRequest ||
		len(errs) != 4 || errs[0].Code != 400 {
		t.Errorf("bad query: %d %+v", resp.StatusCode, errs)
	}
}

func TestOpen311RateLimit(t *testing.T) {
	e := newAPIEnv(t)
	srv := httptest.NewServer(New(Options{Open311: &Open311{Cases: e.svc, Now: e.Now, Limit: 2, Window: time.Minute}}))
	t.Cleanup(srv.Close)
	var services []geoService
	for range 2 {
		if resp := geoGet(t, srv, "/open311/v2/services.json", &services); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	var errs []geoError
	resp := geoGet(t, srv, "/open311/v2/services.json", &errs)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || len(errs) != 1 || errs[0].Code != 429 {
		t.Errorf("over the limit: %d %v %+v", resp.StatusCode, resp.Header, errs)
	}
	e.advance(time.Minute)
	if resp := geoGet(t, srv, "/open311/v2/services.json", &services); resp.StatusCode != http.StatusOK {
		t.Errorf("after the window: %d", resp.StatusCode)
	}
}
