// Package web serves hearingroom over HTTP: the route table, the embedded
// pages and static files, health and readiness, and Prometheus metrics. The
// signaling WebSocket is mounted here but lives in package signaling.
package web

import (
	"bytes"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"hearingroom/petitions"
)

//go:embed static
var staticFS embed.FS

// Options are what the web layer serves besides its own pages.
type Options struct {
	Signaling http.Handler // the WebSocket at /rtc
	Metrics   http.Handler // Prometheus exposition at /metrics
	// Ready reports whether the server can take sessions; /readyz answers 503
	// with the error's text when it cannot.
	Ready func() error
	// Sessions, if set, serves sign-in under /api/v1.
	Sessions *Sessions
	// Lookup, if set, serves the petitioner's receipt at /api/v1/lookup
	// and its page at /lookup.
	Lookup *Lookup
	// API, if set, serves the ledger under /api/v1 and its OpenAPI
	// document at /api/v1/openapi.json.
	API *API
	// Open311, if set, serves the public, read-only Open311 GeoReport v2
	// view under /open311/v2.
	Open311 *Open311
	// Media, if set, serves the recording store's signed playback URLs
	// under /media/. MediaOrigin, if set, is the origin (an S3 endpoint)
	// the review page plays recordings from.
	Media       http.Handler
	MediaOrigin string
	Log         *slog.Logger
}

// New returns the server's HTTP handler.
func New(o Options) http.Handler {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory exists
	}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(securityHeaders(o.MediaOrigin))
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.Get("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if o.Ready != nil {
			if err := o.Ready(); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(err.Error() + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if o.Metrics != nil {
		r.Handle("/metrics", o.Metrics)
	}
	if o.Signaling != nil {
		r.Handle("/rtc", o.Signaling)
	}
	if o.Media != nil {
		r.Handle("/media/*", o.Media)
	}
	r.Route("/api/v1", func(r chi.Router) {
		if o.Sessions != nil {
			r.Post("/session", o.Sessions.SignIn)
			r.Delete("/session", o.Sessions.SignOut)
			r.Get("/me", o.Sessions.Me)
		}
		if o.Lookup != nil {
			r.Post("/lookup", o.Lookup.ServeHTTP)
		}
		if o.API != nil {
			o.API.routes(r)
		}
		r.Get("/openapi.json", serveOpenAPI)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, o.Log, petitions.Errorf(petitions.ENOTFOUND, "There is no %s %s in this API.", r.Method, r.URL.Path))
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusMethodNotAllowed, apiError{Code: petitions.EINVALID,
				Message: "The method " + r.Method + " is not allowed on " + r.URL.Path + "."})
		})
	})
	if o.Open311 != nil {
		r.Route("/open311/v2", o.Open311.routes)
	}
	if o.API != nil {
		o.API.reportRoutes(r)
	}
	r.Get("/lookup", servePage(static, "lookup.html"))
	r.Get("/", servePage(static, "index.html"))
	r.Get("/join", framedBySelf(servePage(static, "join.html")).ServeHTTP)
	r.Get("/desk", servePage(static, "desk.html"))
	r.Get("/kiosk", servePage(static, "kiosk.html"))
	r.Get("/register", servePage(static, "register.html"))
	r.Get("/board", servePage(static, "board.html"))
	r.Get("/agreement", servePage(static, "agreement.html"))
	r.Get("/review", servePage(static, "review.html"))
	r.Get("/wall", servePage(static, "wall.html"))
	r.Get("/dashboard", servePage(static, "dashboard.html"))
	r.Get("/case", servePage(static, "casefile.html"))
	r.Handle("/static/*", http.StripPrefix("/static/", noCache(http.FileServer(http.FS(static)))))
	return r
}

func servePage(static fs.FS, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	}
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// securityHeaders keeps pages from loading anything from elsewhere (county
// networks are closed) but recordings from the object store's origin, and
// from being framed; the camera and microphone are allowed for this origin
// only.
func securityHeaders(mediaOrigin string) func(http.Handler) http.Handler {
	media := "'self' blob:"
	if mediaOrigin != "" {
		media += " " + mediaOrigin
	}
	csp := "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; media-src " + media + "; frame-ancestors 'none'"
	return func(h http.Handler) http.Handler { return withHeaders(h, csp) }
}

func withHeaders(h http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Permissions-Policy", "camera=(self), microphone=(self)")
		h.ServeHTTP(w, r)
	})
}
