package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/sqlite"
)

type signInServer struct {
	url   string
	db    *sqlite.DB
	clock *time.Time
}

// newSignInServer serves the sign-in API over a real SQLite ledger with one
// official, 王明, whose password is "correct horse battery".
func newSignInServer(t *testing.T) *signInServer {
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
	if err := db.CreateUnit(ctx, &petitions.Unit{ID: "fuyu", Name: "富裕县", Level: petitions.UnitCounty}); err != nil {
		t.Fatal(err)
	}
	hash, err := petitions.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	p := &petitions.Person{ID: "p1", Login: "wangming", Name: "王明", Phone: "138-0000-0001",
		Roles: []petitions.RoleGrant{{Role: petitions.RoleTownship, Unit: "fuyu"}}, PasswordHash: hash, CreatedAt: time.Now()}
	if err := db.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second) // near the real time: the cookie jar honours Expires
	s := &signInServer{db: db, clock: &now}
	h := New(Options{Sessions: &Sessions{People: db, Key: []byte(strings.Repeat("k", 32)), TTL: time.Hour,
		Limiter: petitions.NewSignInLimiter(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return *s.clock }}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *signInServer) do(t *testing.T, c *http.Client, method, path, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func TestSignIn(t *testing.T) {
	s := newSignInServer(t)
	c := newClient()
	if code, body, _ := s.do(t, c, "GET", "/api/v1/me", ""); code != 401 || body["code"] != petitions.EUNAUTHORIZED {
		t.Fatalf("me before sign-in = %d %v", code, body)
	}
	code, body, hdr := s.do(t, c, "POST", "/api/v1/session", `{"login":" WangMing ","password":"correct horse battery"}`)
	if code != 200 {
		t.Fatalf("sign in = %d %v", code, body)
	}
	person := body["person"].(map[string]any)
	if person["id"] != "p1" || person["phone"] != nil {
		t.Errorf("signed-in person %v: want id p1 and no phone", person)
	}
	cookie := hdr.Get("Set-Cookie")
	for _, want := range []string{SessionCookie + "=", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %s", cookie, want)
		}
	}
	if code, body, _ := s.do(t, c, "GET", "/api/v1/me", ""); code != 200 || body["person"].(map[string]any)["name"] != "王明" {
		t.Fatalf("me = %d %v", code, body)
	}

	// A forged cookie is refused.
	u := s.url + "/"
	forged := newClient()
	req, _ := http.NewRequest("GET", u, nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		ck.Value = strings.Replace(ck.Value, ".", "x.", 1)
		forged.Jar.SetCookies(req.URL, []*http.Cookie{ck})
	}
	if code, _, _ := s.do(t, forged, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("forged cookie = %d", code)
	}

	// A password change ends the session.
	hash, _ := petitions.HashPassword("another long password")
	if err := s.db.SetPasswordHash(context.Background(), "p1", hash); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := s.do(t, c, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("me after a password change = %d", code)
	}

	// Expiry.
	code, _, _ = s.do(t, c, "POST", "/api/v1/session", `{"login":"wangming","password":"another long password"}`)
	if code != 200 {
		t.Fatalf("sign in again = %d", code)
	}
	*s.clock = s.clock.Add(2 * time.Hour)
	if code, _, _ := s.do(t, c, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("me after expiry = %d", code)
	}

	// Sign out clears the cookie.
	code, _, _ = s.do(t, c, "POST", "/api/v1/session", `{"login":"wangming","password":"another long password"}`)
	if code != 200 {
		t.Fatalf("sign in again = %d", code)
	}
	if code, _, _ := s.do(t, c, "DELETE", "/api/v1/session", ""); code != 204 {
		t.Errorf("sign out = %d", code)
	}
	if code, _, _ := s.do(t, c, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("me after sign-out = %d", code)
	}
}

func TestSignInRefused(t *testing.T) {
	s := newSignInServer(t)
	c := newClient()
	for _, tc := range []struct {
		body string
		code int
		err  string
	}{
		{`not json`, 400, petitions.EINVALID},
		{`{"login":"wangming","password":"x","extra":1}`, 400, petitions.EINVALID},
		{`{"login":"nobody","password":"correct horse battery"}`, 401, petitions.EUNAUTHORIZED},
	} {
		code, body, _ := s.do(t, c, "POST", "/api/v1/session", tc.body)
		if code != tc.code || body["code"] != tc.err {
			t.Errorf("sign in with %s = %d %v, want %d %s", tc.body, code, body, tc.code, tc.err)
		}
	}
	// Wrong passwords: refused, then limited with Retry-After.
	limited := false
	for i := 0; i < 8 && !limited; i++ {
		code, _, hdr := s.do(t, c, "POST", "/api/v1/session", `{"login":"wangming","password":"wrong password!"}`)
		switch code {
		case 401:
		case 429:
			limited = hdr.Get("Retry-After") != ""
		default:
			t.Fatalf("wrong password = %d", code)
		}
	}
	if !limited {
		t.Fatal("eight wrong passwords were never limited")
	}
	// Even the right password waits while the login is locked.
	if code, _, _ := s.do(t, c, "POST", "/api/v1/session", `{"login":"wangming","password":"correct horse battery"}`); code != 429 {
		t.Errorf("right password while locked = %d", code)
	}
	*s.clock = s.clock.Add(20 * time.Minute)
	if code, _, _ := s.do(t, c, "POST", "/api/v1/session", `{"login":"wangming","password":"correct horse battery"}`); code != 200 {
		t.Errorf("right password after the lock = %d", code)
	}
}
