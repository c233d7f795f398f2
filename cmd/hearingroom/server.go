package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"hearingroom/media"
	"hearingroom/media/sfu"
	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/recordings"
	"hearingroom/signaling"
	"hearingroom/web"
)

// Main is the running server: configuration in, listeners and services out.
// Tests run it exactly as the binary does, on ephemeral ports.
type Main struct {
	Config Config
	Log    *slog.Logger

	keys     signaling.Keys
	ledger   ledger
	sessions *petitions.SessionRecorder
	cases    *casework.Service
	objects  *objectStore
	recorder *recorder
	// stopPurger stops the retention purge loop; stopReminders the
	// reminder dispatcher.
	stopPurger, stopReminders func()
	sfu                       *sfu.SFU
	sig                       *signaling.Handler
	http                      *http.Server
	ln                        net.Listener
	scheme                    string
	stopping                  atomic.Bool
	served                    chan error
}

// NewMain returns a Main with the embedded defaults.
func NewMain() *Main {
	return &Main{Config: DefaultConfig()}
}

// Run prepares the data dir and secrets, opens every listener and starts
// serving. It returns once the server is ready; Close stops it.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Log == nil {
		m.Log = newLogger(m.Config, os.Stderr)
	}
	c := m.Config
	if err := os.MkdirAll(filepath.Join(c.DataDir, "recordings"), 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := os.Chmod(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	m.ledger, err = openLedgerChecked(ctx, c)
	if err != nil {
		return err
	}
	// Sessions a crashed server left live are marked interrupted before
	// the SFU takes joins; the recorder then writes every session.
	m.sessions = petitions.NewSessionRecorder(m.ledger, m.Log)
	defer func() {
		if err != nil {
			m.sessions.Close(context.WithoutCancel(ctx))
			m.sessions = nil
			m.ledger.Close()
			m.ledger = nil
		}
	}()
	interrupted, err := m.sessions.RecoverInterrupted(ctx)
	if err != nil {
		return fmt.Errorf("ledger: recover interrupted sessions: %w", err)
	}
	if interrupted > 0 {
		m.Log.Warn("hearingroom: sessions interrupted by the last stop", "sessions", interrupted)
	}
	m.keys = signaling.Keys{APIKey: c.APIKey, Secret: c.APISecret}
	if c.APIKey == "" {
		s, err := loadSecrets(c.DataDir)
		if err != nil {
			return err
		}
		m.keys = signaling.Keys{APIKey: s.APIKey, Secret: s.APISecret}
	}

	m.objects, err = openObjectStore(ctx, c, m.keys.Secret)
	if err != nil {
		return err
	}
	m.cases = casework.New(m.ledger, casework.Config{Log: m.Log, Playback: m.objects,
		Recordings: m.objects, Compositor: compositeSession})
	rooms := &lateRooms{}
	m.recorder, err = startRecorder(ctx, c, m.objects, rooms, m.sessions, m.cases, m.Log)
	if err != nil {
		m.objects.close()
		return err
	}
	m.sfu, err = sfu.New(sfu.Config{
		UDPAddr: c.UDPAddr, TCPAddr: c.TCPAddr, PublicIPs: c.PublicIPs, LoopbackOnly: c.LoopbackOnly,
		Observer: media.Observers{m.sessions, m.recorder.manager}, Recorder: m.recorder.manager,
	}, m.Log)
	if err != nil {
		m.closeRecorder()
		return err
	}
	rooms.sfu.Store(m.sfu)
	// From here a failure must also stop the SFU and the recorder.
	defer func() {
		if err != nil {
			m.sfu.Close()
			m.closeRecorder()
		}
	}()
	m.sig = signaling.NewHandler(m.sfu, m.keys, m.Log)
	signIn := &web.Sessions{
		People: m.ledger, Key: cookieKey(m.keys.Secret), TTL: 12 * time.Hour,
		Secure:  c.TLSCert != "" || c.TLSSelfSigned,
		Limiter: petitions.NewSignInLimiter(), Log: m.Log, Now: time.Now,
	}
	handler := web.New(web.Options{
		Media: m.objects.media, MediaOrigin: m.objects.origin,
		Open311:  m.open311(),
		Sessions: signIn,
		Lookup:   &web.Lookup{Cases: m.ledger, Limiter: petitions.NewSignInLimiter(), Log: m.Log, Now: time.Now},
		API: &web.API{Cases: m.cases, Sessions: signIn, Tokens: m.keys,
			Enrol: petitions.NewSignInLimiter(), Rooms: m.sfu, Log: m.Log, Now: time.Now},
		Signaling: m.sig,
		Metrics:   web.MetricsHandler(m.sfu.Stats),
		Ready:     m.ready,
		Log:       m.Log,
	})
	if c.Pprof {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.Handle("/", handler)
		handler = mux
	}
	m.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}

	m.ln, err = net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http: listen %s: %w", c.HTTPAddr, err)
	}
	m.scheme = "http"
	certFile, keyFile := c.TLSCert, c.TLSKey
	if c.TLSSelfSigned {
		if certFile, keyFile, err = selfSignedCert(c.DataDir); err != nil {
			m.ln.Close()
			return err
		}
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			m.ln.Close()
			return fmt.Errorf("tls: %w", err)
		}
		m.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		m.ln = tls.NewListener(m.ln, m.http.TLSConfig)
		m.scheme = "https"
	}
	ret, err := casework.ParseRetention(c.Retention)
	if err != nil {
		m.ln.Close()
		return err
	}
	m.stopPurger = m.startPurger(ret)
	if c.Reminders {
		if m.stopReminders, err = m.startReminders(); err != nil {
			m.stopPurger()
			m.ln.Close()
			return err
		}
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.http.Serve(m.ln) }()
	m.Log.Info("hearingroom: serving", "url", m.BaseURL(), "udp", m.sfu.UDPAddr().String(),
		"tcp", fmt.Sprint(m.sfu.TCPAddr()), "data", c.DataDir)
	return nil
}

func (m *Main) ready() error {
	if m.stopping.Load() {
		return errors.New("shutting down")
	}
	return nil
}

// BaseURL returns the server's URL as a browser would open it.
func (m *Main) BaseURL() string {
	if m.Config.PublicURL != "" {
		return strings.TrimRight(m.Config.PublicURL, "/")
	}
	return baseURL(m.scheme, m.ln.Addr().String())
}

// JoinLink returns an absolute link that joins g's room at once when opened.
// The token travels in the URL fragment, which browsers never send to servers
// or proxies.
func (m *Main) JoinLink(g signaling.Grant, ttl time.Duration) (string, error) {
	tok, err := m.keys.Mint(g, ttl)
	if err != nil {
		return "", err
	}
	return m.BaseURL() + "/join#token=" + url.QueryEscape(tok), nil
}

// Keys returns the token keys in use.
func (m *Main) Keys() signaling.Keys { return m.keys }

// closeRecorder stops the recording pipeline and closes the object store.
func (m *Main) closeRecorder() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if m.recorder != nil {
		errs = append(errs, m.recorder.close(ctx))
		m.recorder = nil
	}
	if m.objects != nil {
		errs = append(errs, m.objects.close())
		m.objects = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("recordings close: %w", err)
	}
	return nil
}

// open311 returns the public Open311 view, or nil when it is off.
func (m *Main) open311() *web.Open311 {
	if !m.Config.Open311 {
		return nil
	}
	return &web.Open311{Cases: m.cases, Log: m.Log}
}

// Recorder returns the recording manager.
func (m *Main) Recorder() *recordings.Manager { return m.recorder.manager }

// Uploader returns the recordings' uploader.
func (m *Main) Uploader() *recordings.Uploader { return m.recorder.uploader }

// Objects returns the recording store.
func (m *Main) Objects() recordings.ObjectStore { return m.objects }

// Cases returns the ledger's service.
func (m *Main) Cases() *casework.Service { return m.cases }

// SFU returns the media server.
func (m *Main) SFU() *sfu.SFU { return m.sfu }

// Close shuts down gracefully: rooms are told ("closing"), media sessions
// end, in-flight HTTP requests finish, then the sockets close.
func (m *Main) Close() error {
	if m.stopping.Swap(true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var errs []error
	if m.sig != nil {
		if err := m.sig.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("signaling shutdown: %w", err))
		}
	}
	if m.http != nil {
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		<-m.served
	}
	if m.stopPurger != nil {
		m.stopPurger()
	}
	if m.stopReminders != nil {
		m.stopReminders()
	}
	if m.sfu != nil {
		t0 := time.Now()
		m.sfu.Close()
		m.Log.Debug("hearingroom: media server closed", "took", time.Since(t0))
	}
	// After the SFU, which closed every recording sink: the last segments
	// are handed to the uploader, and whatever is not uploaded yet stays in
	// the spool for the next start.
	if err := m.closeRecorder(); err != nil {
		errs = append(errs, err)
	}
	// After the SFU: its participants' leaves (reason "shutdown") are queued.
	// Its own deadline: the stages before may have used up ctx's, and a
	// session not ended here is marked interrupted at the next start.
	if m.sessions != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer scancel()
		if err := m.sessions.Close(sctx); err != nil {
			errs = append(errs, fmt.Errorf("sessions close: %w", err))
		}
	}
	if m.ledger != nil {
		if err := m.ledger.Close(); err != nil {
			errs = append(errs, fmt.Errorf("ledger close: %w", err))
		}
	}
	return errors.Join(errs...)
}

func newLogger(c Config, w *os.File) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// cookieKey derives the sign-in cookies' key from the token secret, so the
// data dir holds one secret.
func cookieKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("hearingroom session cookie v1"))
	return m.Sum(nil)
}
