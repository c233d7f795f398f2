package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/sqlite"
	"hearingroom/signaling"
)

// The API tests run the whole /api/v1 over HTTP against a SQLite ledger
// loaded with the demo county.

const (
	apiDemoSeed  = 7
	apiDemoCases = 150
)

// apiDemoTo is the end of the demo ledger and the service's "now".
var apiDemoTo = time.Date(2026, 11, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// apiEnv is one server over one demo ledger, with a clock the test moves.
type apiEnv struct {
	t      *testing.T
	ctx    context.Context
	db     *sqlite.DB
	svc    *casework.Service
	srv    *httptest.Server
	people *demo.People

	mu  sync.Mutex
	now time.Time

	clients map[string]*apiClient // by login
}

// Now is the service's clock.
func (e *apiEnv) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// advance moves the service's clock on.
func (e *apiEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// newAPIEnv opens a fresh ledger in t.TempDir, loads the demo county and
// serves the API over it.
func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, db, demo.Config{Seed: apiDemoSeed, Cases: apiDemoCases, To: apiDemoTo}); err != nil {
		t.Fatal(err)
	}
	e := &apiEnv{t: t, ctx: ctx, db: db, people: demo.NewPeople(apiDemoSeed), now: apiDemoTo,
		clients: map[string]*apiClient{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.svc = casework.New(db, casework.Config{Now: e.Now, Log: log})
	sessions := &Sessions{People: db, Key: bytes.Repeat([]byte("k"), 32), TTL: 12 * time.Hour,
		Limiter: petitions.NewSignInLimiter(), Log: log, Now: time.Now}
	h := New(Options{
		Sessions: sessions,
		Lookup:   &Lookup{Cases: db, Limiter: petitions.NewSignInLimiter(), Log: log, Now: time.Now},
		API: &API{Cases: e.svc, Sessions: sessions, Tokens: signaling.Keys{APIKey: "k", Secret: strings.Repeat("s", 32)},
			Enrol: petitions.NewSignInLimiter(), Log: log, Now: time.Now},
		Log: log,
	})
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// login returns the demo login of role.
func (e *apiEnv) login(role petitions.Role) string {
	for _, l := range demo.Logins(e.people) {
		if l.Role == role {
			return l.Login
		}
	}
	e.t.Fatalf("no demo login for role %s", role)
	return ""
}

// as returns a client signed in as login (once per login and env).
func (e *apiEnv) as(login string) *apiClient {
	e.t.Helper()
	if c, ok := e.clients[login]; ok {
		return c
	}
	c := e.anonymous()
	c.login = login
	r := c.do("POST", "/api/v1/session", map[string]string{"login": login, "password": demo.Password})
	if r.Status != http.StatusOK {
		e.t.Fatalf("sign in as %s: %d %s", login, r.Status, r.Raw)
	}
	e.clients[login] = c
	return c
}

// asRole returns a client signed in as role's demo login.
func (e *apiEnv) asRole(role petitions.Role) *apiClient { return e.as(e.login(role)) }

// anonymous returns a client that is not signed in.
func (e *apiEnv) anonymous() *apiClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &apiClient{t: e.t, base: e.srv.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// apiClient does JSON requests against the test server.
type apiClient struct {
	t     *testing.T
	base  string
	http  *http.Client
	login string
}

// apiResp is a response: its status, the body decoded as a JSON object
// (nil when it is not one) and the raw body.
type apiResp struct {
	Status int
	Body   map[string]any
	Raw    []byte
	Header http.Header
}

// do sends body (nil: none; string or []byte: as is; else JSON) to path.
func (c *apiClient) do(method, path string, body any, header ...string) apiResp {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiResp{Status: resp.StatusCode, Raw: raw, Header: resp.Header}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// str returns the string at key of m, "" when absent.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// strs returns the strings of the list at key of m.
func strs(m map[string]any, key string) []string {
	var out []string
	l, _ := m[key].([]any)
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// version returns the version of a case body.
func version(m map[string]any) int64 {
	f, _ := m["version"].(float64)
	return int64(f)
}

// newPetition is a claim a township official can register, received in
// village of township.
func newPetition(village string) map[string]any {
	return map[string]any{
		"kind": "petition", "class": "claim", "category": "wage_arrears", "channel": "visit",
		"risk_level": "green", "request": "补发拖欠的工资", "facts": "工程队拖欠三个月工资",
		"headcount": 1, "village": village,
		"parties": []map[string]any{{"id": "p1", "side": "petitioner", "name": "测试人",
			"contact": map[string]any{"phone": "139-1234-5678"}}},
	}
}

// register registers body as c and returns the new case's id.
func (c *apiClient) register(body map[string]any) map[string]any {
	c.t.Helper()
	r := c.do("POST", "/api/v1/cases", body)
	if r.Status != http.StatusCreated {
		c.t.Fatalf("register as %s: %d %s", c.login, r.Status, r.Raw)
	}
	return r.Body
}

// transition takes name on case id as c and fails the test unless status.
func (c *apiClient) transition(id, name string, input map[string]any, want int) apiResp {
	c.t.Helper()
	r := c.do("POST", "/api/v1/cases/"+id+"/transitions", map[string]any{"name": name, "input": input})
	if r.Status != want {
		c.t.Fatalf("%s on %s as %s = %d, want %d: %s", name, id, c.login, r.Status, want, r.Raw)
	}
	return r
}

// allEvents returns every event of the ledger.
func (e *apiEnv) allEvents() []*petitions.Event {
	e.t.Helper()
	var out []*petitions.Event
	if err := e.db.ScanEvents(e.ctx, 1, func(ev *petitions.Event) error {
		c := *ev
		c.Data = append([]byte(nil), ev.Data...) // the store may reuse ev
		out = append(out, &c)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// caseCount counts the cases in the store.
func (e *apiEnv) caseCount() int {
	e.t.Helper()
	n, f := 0, petitions.PetitionFilter{Limit: petitions.MaxListLimit}
	for {
		ps, err := e.db.ListPetitions(e.ctx, f)
		if err != nil {
			e.t.Fatal(err)
		}
		n += len(ps)
		if len(ps) < f.Limit {
			return n
		}
		f.After = ps[len(ps)-1].ID
	}
}

// listIDs returns the ids of every case c may list.
func (c *apiClient) listIDs() []string {
	c.t.Helper()
	var ids []string
	after := ""
	for {
		r := c.do("GET", "/api/v1/cases?limit=500&after="+after, nil)
		if r.Status != http.StatusOK {
			c.t.Fatalf("list as %s: %d %s", c.login, r.Status, r.Raw)
		}
		l, _ := r.Body["cases"].([]any)
		for _, x := range l {
			ids = append(ids, str(x.(map[string]any), "id"))
		}
		after = str(r.Body, "next")
		if after == "" {
			return ids
		}
	}
}

func TestAPIConfidentialCase(t *testing.T) {
	e := newAPIEnv(t)
	t0, t1 := demo.TownshipID(0), demo.TownshipID(1)
	t0Name := "富裕镇"
	if u, err := e.db.Unit(e.ctx, t0); err == nil {
		t0Name = u.Name
	}
	dispatcher := e.asRole(petitions.RoleDispatcher)
	// An accusation from a village of 富裕镇 against the township's government.
	body := map[string]any{
		"kind": "petition", "class": "accusation", "confidential": true, "category": "land_transfer",
		"channel": "letter", "risk_level": "yellow", "request": "查处截留土地补偿款", "facts": "镇政府截留补偿款",
		"headcount": 1, "village": demo.VillageID(0, 0),
		"parties": []map[string]any{
			{"id": "p1", "side": "petitioner", "name": "检举人甲", "contact": map[string]any{"phone": "139-0000-4242", "address": "东升村七组"}},
			{"id": "r1", "side": "respondent", "name": t0Name, "organisation": true},
		},
	}
	created := dispatcher.register(body)
	id := str(created, "id")

	// The accused township's official may not know the case exists.
	official := e.asRole(petitions.RoleTownship)
	if r := official.do("GET", "/api/v1/cases/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("the accused township's official reads the accusation: %d %s", r.Status, r.Raw)
	}
	for _, sub := range []string{"/history", "/sessions", "/transitions"} {
		if r := official.do("GET", "/api/v1/cases/"+id+sub, nil); r.Status != http.StatusNotFound {
			t.Errorf("the accused township's official GET %s: %d, want 404", sub, r.Status)
		}
	}
	ids := official.listIDs()
	if len(ids) == 0 {
		t.Error("the township official lists no case at all")
	}
	if slices.Contains(ids, id) {
		t.Error("the accused township's official lists the accusation")
	}
	// So may the township's own leader not.
	t0Leader := e.as(petitions.NormalizeLogin("leader." + t0 + ".1"))
	if r := t0Leader.do("GET", "/api/v1/cases/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("the accused township's leader reads the accusation: %d", r.Status)
	}

	// The dispatcher sees it in full.
	r := dispatcher.do("GET", "/api/v1/cases/"+id, nil)
	if r.Status != http.StatusOK || r.Body["redacted"] != false || !strings.Contains(string(r.Raw), "139-0000-4242") {
		t.Errorf("dispatcher read = %d %s", r.Status, r.Raw)
	}
	if !slices.Contains(dispatcher.listIDs(), id) {
		t.Error("the dispatcher does not list the accusation")
	}

	// Others read what Decide gives them: a leader of another township
	// and a county leader.
	p, err := e.db.Petition(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := e.svc.Tree(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"leader." + t1 + ".1", e.login(petitions.RoleLeader)} {
		person, err := e.db.PersonByLogin(e.ctx, petitions.NormalizeLogin(login))
		if err != nil {
			t.Fatal(err)
		}
		d := petitions.Decide(person.Actor(), petitions.ActReadCase, p, tree)
		r := e.as(person.Login).do("GET", "/api/v1/cases/"+id, nil)
		switch {
		case !d.Allowed:
			if r.Status != http.StatusNotFound {
				t.Errorf("%s (refused by Decide: %s) read = %d, want 404", login, d.Reason, r.Status)
			}
		case d.Redact:
			if r.Status != http.StatusOK || r.Body["redacted"] != true {
				t.Errorf("%s read = %d %s, want redacted", login, r.Status, r.Raw)
			}
			for _, secret := range []string{"139-0000-4242", "东升村七组"} {
				if strings.Contains(string(r.Raw), secret) {
					t.Errorf("%s sees the accuser's contact %q", login, secret)
				}
			}
		default:
			t.Errorf("%s may read the accusation unredacted: %s", login, d.Reason)
		}
		t.Logf("%s: allowed=%v redact=%v (%s) → %d", login, d.Allowed, d.Redact, d.Reason, r.Status)
	}
	// The county leader (root jurisdiction) must at least be able to read it redacted.
	leader := e.asRole(petitions.RoleLeader)
	if r := leader.do("GET", "/api/v1/cases/"+id, nil); r.Status != http.StatusOK || r.Body["redacted"] != true {
		t.Errorf("county leader read = %d redacted=%v, want 200 redacted", r.Status, r.Body["redacted"])
	}
	if r := leader.do("GET", "/api/v1/cases/"+id+"/history", nil); r.Status != http.StatusOK || strings.Contains(string(r.Raw), "139-0000-4242") {
		t.Errorf("county leader history = %d, or it shows the accuser's phone", r.Status)
	}
	// The export never carries the accuser's contact details.
	if r := dispatcher.do("GET", "/api/v1/export", nil); r.Status != http.StatusOK || strings.Contains(string(r.Raw), "139-0000-4242") {
		t.Errorf("export = %d, or it shows the accuser's phone", r.Status)
	}
}

// readsOf returns the read events of an access log naming actor.
func readsOf(body map[string]any, actor string) map[string]int {
	out := map[string]int{}
	l, _ := body["reads"].([]any)
	for _, x := range l {
		ev := x.(map[string]any)
		if str(ev, "kind") != casework.KindRead || str(ev, "actor") != actor {
			continue
		}
		data, _ := ev["data"].(map[string]any)
		out[str(data, "what")]++
	}
	return out
}

func TestAPIReadsAreLogged(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	auditor := e.asRole(petitions.RoleAuditor)
	id := str(official.register(newPetition(demo.VillageID(0, 1))), "id")

	log0 := auditor.do("GET", "/api/v1/cases/"+id+"/access-log", nil)
	if log0.Status != http.StatusOK {
		t.Fatalf("access log = %d %s", log0.Status, log0.Raw)
	}
	before := readsOf(log0.Body, official.login)
	for _, path := range []string{"", "/history", "/sessions"} {
		if r := official.do("GET", "/api/v1/cases/"+id+path, nil); r.Status != http.StatusOK {
			t.Fatalf("GET case%s = %d %s", path, r.Status, r.Raw)
		}
	}
	log1 := auditor.do("GET", "/api/v1/cases/"+id+"/access-log", nil)
	after := readsOf(log1.Body, official.login)
	for _, what := range []string{"case", "history", "sessions"} {
		if after[what] != before[what]+1 {
			t.Errorf("reads of %s by %s: %d → %d, want one more", what, official.login, before[what], after[what])
		}
	}
	// The auditor's own read of the access log is logged too.
	if readsOf(log1.Body, auditor.login)["access_log"] < 1 {
		t.Error("the auditor's read of the access log is not logged")
	}
	// A refused read is not a read.
	if r := e.asRole(petitions.RoleMediator).do("GET", "/api/v1/cases/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("mediator read = %d", r.Status)
	}

	// An export appends export events naming the exporter.
	n0 := len(e.allEvents())
	dispatcher := e.asRole(petitions.RoleDispatcher)
	r := dispatcher.do("GET", "/api/v1/export", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("export = %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	lines := strings.Count(string(r.Raw), "\n")
	if lines < apiDemoCases {
		t.Errorf("export has %d lines, want at least %d", lines, apiDemoCases)
	}
	if strings.Contains(string(r.Raw), "139-1234-5678") {
		t.Error("the export carries a party's phone")
	}
	var stages []string
	for _, ev := range e.allEvents()[n0:] {
		if ev.Kind != casework.KindExport {
			continue
		}
		if ev.Actor != dispatcher.login || ev.CaseID != "" {
			t.Errorf("export event by %q on case %q", ev.Actor, ev.CaseID)
		}
		var data struct {
			Stage string `json:"stage"`
			Cases int    `json:"cases"`
		}
		_ = json.Unmarshal(ev.Data, &data)
		stages = append(stages, data.Stage)
		if data.Stage == "finished" && data.Cases != lines {
			t.Errorf("export logged %d cases, wrote %d", data.Cases, lines)
		}
	}
	if !slices.Equal(stages, []string{"started", "finished"}) {
		t.Errorf("export events = %v, want started and finished", stages)
	}
}

// The leaders' directory gives staff names and units, never a phone or a
// login; a village proxy may not read it.
func TestAPILeaders(t *testing.T) {
	e := newAPIEnv(t)
	r := e.asRole(petitions.RoleTownship).do("GET", "/api/v1/leaders", nil)
	ls, _ := r.Body["leaders"].([]any)
	if r.Status != http.StatusOK || len(ls) != len(e.people.Leaders) {
		t.Fatalf("GET /leaders = %d with %d leaders, want %d: %.300s", r.Status, len(ls), len(e.people.Leaders), r.Raw)
	}
	for _, x := range ls {
		l, _ := x.(map[string]any)
		if str(l, "id") == "" || str(l, "name") == "" || len(strs(l, "units")) == 0 || l["phone"] != nil || l["login"] != nil {
			t.Errorf("directory line %v", l)
		}
	}
	if r := e.asRole(petitions.RoleProxy).do("GET", "/api/v1/leaders", nil); r.Status != http.StatusForbidden {
		t.Errorf("a proxy reads the leaders: %d %s", r.Status, r.Raw)
	}
}

// A case's history and access log name the people who acted, by id.
func TestAPIHistoryNamesItsActors(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	id := str(official.register(newPetition(demo.VillageID(0, 0))), "id")
	me, err := e.db.PersonByLogin(e.ctx, official.login)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/history", "/access-log"} {
		who := official
		if path == "/access-log" {
			who = e.asRole(petitions.RoleAuditor)
		}
		r := who.do("GET", "/api/v1/cases/"+id+path, nil)
		names, _ := r.Body["names"].(map[string]any)
		if r.Status != http.StatusOK || names[me.ID] != me.Name {
			t.Errorf("GET %s: %d, names %v, want %s = %s", path, r.Status, names, me.ID, me.Name)
		}
	}
}
