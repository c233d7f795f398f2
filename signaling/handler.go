package signaling

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"hearingroom/media/sfu"
)

// MaxFrame is the largest frame a client may send; larger ones close the
// socket with 1009.
const MaxFrame = 64 << 10

// Handler serves the signaling WebSocket.
type Handler struct {
	sfu  *sfu.SFU
	keys Keys
	log  *slog.Logger

	// Timers; NewHandler sets the documented defaults. Tests may shorten
	// them before the first connection.
	JoinTimeout  time.Duration // the first frame must be a join within this
	PingInterval time.Duration // the server pings this often
	DeadAfter    time.Duration // silence after which the client is dropped

	mu       sync.Mutex
	shutdown chan struct{}
	stopping bool
	wg       sync.WaitGroup
}

// NewHandler returns a handler that joins clients to rooms of s, with tokens
// verified by keys.
func NewHandler(s *sfu.SFU, keys Keys, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{sfu: s, keys: keys, log: log, shutdown: make(chan struct{}),
		JoinTimeout: 10 * time.Second, PingInterval: 10 * time.Second, DeadAfter: 30 * time.Second}
}

// ServeHTTP upgrades the request to a WebSocket and runs the session until
// the client leaves, is removed, goes silent, or the server shuts down.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		h.log.Debug("signaling: websocket accept", "err", err)
		return
	}
	ws.SetReadLimit(MaxFrame)
	c := newConn(h, ws, r.RemoteAddr)
	c.run(context.WithoutCancel(r.Context()))
}

// Shutdown tells every connected client that the server is going away
// ("closing", then close code 1001), ends their media sessions, and waits
// for them to finish or for ctx to end.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	if !h.stopping {
		h.stopping = true
		close(h.shutdown)
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
