package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hearingroom/petitions"
)

// People is what sign-in needs of the ledger's store.
type People interface {
	PersonByLogin(ctx context.Context, login string) (*petitions.Person, error)
	Person(ctx context.Context, id string) (*petitions.Person, error)
}

// SessionCookie is the name of the signed-in official's cookie.
const SessionCookie = "hr_session"

// Sessions signs officials in with a password and keeps them signed in
// with a signed cookie (HttpOnly, SameSite=Strict, Secure under TLS) that
// carries the person's id and an expiry. The signature also covers the
// person's password hash, so changing the password ends every session.
type Sessions struct {
	People  People
	Key     []byte        // HMAC key, at least 32 bytes
	TTL     time.Duration // how long a sign-in lasts
	Secure  bool          // the server is reached over HTTPS
	Limiter *petitions.SignInLimiter
	Log     *slog.Logger
	Now     func() time.Time
}

type signIn struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// SignIn handles POST /api/v1/session: 200 with the person (listed form)
// and the cookie; 400 for a malformed body; 401 for a wrong login or
// password (the same answer for both); 429 with Retry-After when the login
// or the address has failed too often.
func (s *Sessions) SignIn(w http.ResponseWriter, r *http.Request) {
	var in signIn
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	login, ip, now := petitions.NormalizeLogin(in.Login), clientIP(r), s.Now()
	if ok, wait := s.Limiter.Allow(login, ip, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeJSON(w, http.StatusTooManyRequests, apiError{Code: petitions.EUNAUTHORIZED,
			Message: "Too many failed sign-ins; try again later."})
		return
	}
	p, err := s.People.PersonByLogin(r.Context(), login)
	ok := false
	switch {
	case err == nil && !p.Disabled && p.PasswordHash != "":
		ok, _, err = petitions.CheckPassword(p.PasswordHash, in.Password)
	case err == nil || petitions.ErrorCode(err) == petitions.ENOTFOUND:
		// As slow as a real check, so timing does not tell which logins exist.
		_, _, _ = petitions.CheckPassword(decoyHash(), in.Password)
		err = nil
	}
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if !ok {
		s.Limiter.Failed(login, ip, now)
		writeError(w, r, s.Log, petitions.Errorf(petitions.EUNAUTHORIZED, "The login or the password is wrong."))
		return
	}
	s.Limiter.Succeeded(login, ip, now)
	http.SetCookie(w, s.cookie(p, now))
	writeJSON(w, http.StatusOK, map[string]any{"person": p.Listed()})
}

// decoyHash is a hash no password matches, checked when the login is
// unknown or cannot sign in.
var decoyHash = sync.OnceValue(func() string {
	h, err := petitions.HashPassword(base64.RawURLEncoding.EncodeToString(randomBytes(24)))
	if err != nil {
		panic(err) // a random 32-character password is always accepted
	}
	return h
})

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// SignOut handles DELETE /api/v1/session: the cookie is cleared.
func (s *Sessions) SignOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

// Me handles GET /api/v1/me: the signed-in person, or 401.
func (s *Sessions) Me(w http.ResponseWriter, r *http.Request) {
	p, err := s.Person(r)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"person": p.Listed()})
}

// Person returns the person r's cookie signs in, or EUNAUTHORIZED.
func (s *Sessions) Person(r *http.Request) (*petitions.Person, error) {
	unauthorized := petitions.Errorf(petitions.EUNAUTHORIZED, "Sign in first.")
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, unauthorized
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if !ok || err != nil {
		return nil, unauthorized
	}
	id, rest, ok := strings.Cut(string(raw), "|")
	expires, _, ok2 := strings.Cut(rest, "|")
	exp, err := strconv.ParseInt(expires, 10, 64)
	if !ok || !ok2 || err != nil || s.Now().Unix() >= exp {
		return nil, unauthorized
	}
	p, err := s.People.Person(r.Context(), id)
	if err != nil {
		if petitions.ErrorCode(err) == petitions.ENOTFOUND {
			return nil, unauthorized
		}
		return nil, err
	}
	want := s.sign(payload, p.PasswordHash)
	if p.Disabled || !hmac.Equal([]byte(sig), []byte(want)) {
		return nil, unauthorized
	}
	return p, nil
}

func (s *Sessions) cookie(p *petitions.Person, now time.Time) *http.Cookie {
	nonce := randomBytes(12)
	exp := now.Add(s.TTL)
	payload := base64.RawURLEncoding.EncodeToString([]byte(p.ID + "|" + strconv.FormatInt(exp.Unix(), 10) + "|" +
		base64.RawURLEncoding.EncodeToString(nonce)))
	return &http.Cookie{Name: SessionCookie, Value: payload + "." + s.sign(payload, p.PasswordHash),
		Path: "/", Expires: exp, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode}
}

// sign is the cookie's MAC over its payload and the person's password hash.
func (s *Sessions) sign(payload, passwordHash string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(payload))
	m.Write([]byte{0})
	m.Write([]byte(passwordHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// clientIP is the address the request came from (no proxy headers are
// trusted: a county deployment puts no proxy in front unless configured).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
