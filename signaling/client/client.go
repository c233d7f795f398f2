// Package client is a Go WebRTC client of hearingroom's signaling protocol
// (docs/signaling.md), for the in-process integration tests and the load
// generator. It joins a room over the WebSocket, publishes synthetic media
// (see Source), receives every track the server forwards, and counts what
// arrives per track, including the simulcast layer and the forwarding delay
// read from the tag in every synthetic payload.
//
// A Client makes one offer at Dial, and another only at Publish (tracks
// added to a joined session, as an admitted waiting participant does);
// otherwise it answers the server's offers, so it meets glare only if a
// Publish crosses a server offer (see Publish). It is safe for concurrent
// use.
package client

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
)

// Options configures Dial.
type Options struct {
	URL     string // ws://host:port/rtc
	Token   string // the access token sent in "join"
	Room    string // optional; sent in "join" when set
	Publish []TrackSpec
	Logger  *slog.Logger  // nil: discard
	API     *webrtc.API   // nil: NewAPI(Logger), one per client
	Timeout time.Duration // for frames the client sends itself (answers, candidates, pong); zero: 5 s
}

// Limits of the client's memory of events.
const (
	maxEventLog   = 4096 // EventLog keeps the latest ones
	maxEventQueue = 4096 // undelivered events on Events(); the oldest are dropped
)

// Client is one participant: a WebSocket session and one PeerConnection.
type Client struct {
	opts    Options
	log     *slog.Logger
	ws      *websocket.Conn
	pc      *webrtc.PeerConnection
	you     Participant
	room    string
	timeout time.Duration

	ctx    context.Context // the session; canceled when it ends
	cancel context.CancelFunc
	done   chan struct{}  // closed when the session ended and its goroutines returned
	wg     sync.WaitGroup // media, RTCP and track reader goroutines

	connected      chan struct{}
	connectedOnce  sync.Once
	iceStarted     chan struct{} // closed when ICE leaves the "new" state
	iceStartedOnce sync.Once
	closeOnce      sync.Once
	leaving        atomic.Bool // Close has begun
	mediaOnce      sync.Once

	// negMu serialises this client's own offers (Publish) with applying
	// the server's offers and answers.
	negMu sync.Mutex

	// Owned by the read loop.
	pendingRemote []webrtc.ICECandidateInit

	mu           sync.Mutex
	pubs         []*published // grows at Publish
	mediaStarted bool
	ended        bool // no new goroutines once set
	offerSent    bool
	pendingLocal []webrtc.ICECandidateInit
	participants map[string]Participant
	tracks       map[string]Track // by Key(participant, id)
	own          map[string]Track // this client's own tracks, by server id
	eventLog     []Message
	received     map[string]*recvTrack // by Key(stream, track)
	recording    bool                  // from "joined" and "recording"
	closeCode    int
	closeReason  string

	evMu     sync.Mutex
	evQueue  []Message
	evNotify chan struct{}
	events   chan Message
	evStop   chan struct{}
	evDone   chan struct{}
}

// Key joins a stream id (the publisher's identity) and a track id into the
// keys of Received.
func Key(stream, track string) string { return stream + "/" + track }

// Dial connects to opts.URL, joins, and sends the first offer: the tracks of
// opts.Publish, or a data channel "hr" when nothing is published. It
// returns once "joined" has arrived and the offer is sent; WaitConnected
// waits for the media path. Media flows only after StartMedia.
//
// A refused join returns a *JoinError carrying the server's error frame and
// the close code that followed. The caller must Close the returned Client.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	if opts.URL == "" {
		return nil, errors.New("client: Options.URL is empty")
	}
	opts.Publish = slices.Clone(opts.Publish) // normalize fills in ids
	for i := range opts.Publish {
		var err error
		if opts.Publish[i], err = opts.Publish[i].normalize(); err != nil {
			return nil, err
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ws, _, err := websocket.Dial(ctx, opts.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", opts.URL, err)
	}
	ws.SetReadLimit(1 << 20)
	c := &Client{
		opts: opts, log: log, ws: ws, timeout: opts.Timeout,
		done:         make(chan struct{}),
		connected:    make(chan struct{}),
		iceStarted:   make(chan struct{}),
		participants: map[string]Participant{},
		tracks:       map[string]Track{},
		own:          map[string]Track{},
		received:     map[string]*recvTrack{},
		evNotify:     make(chan struct{}, 1),
		events:       make(chan Message),
		evStop:       make(chan struct{}),
		evDone:       make(chan struct{}),
	}
	if c.timeout <= 0 {
		c.timeout = 5 * time.Second
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if err := c.join(ctx); err != nil {
		c.cancel()
		ws.CloseNow()
		return nil, err
	}
	c.log = log.With("identity", c.you.Identity)
	if err := c.setupPeer(ctx); err != nil {
		c.cancel()
		ws.Close(websocket.StatusNormalClosure, "client setup failed")
		if c.pc != nil {
			c.pc.Close()
		}
		c.wg.Wait()
		return nil, err
	}
	go c.readLoop()
	go c.pumpEvents()
	return c, nil
}

// join sends "join" and reads until "joined" or a refusal.
func (c *Client) join(ctx context.Context) error {
	if err := c.Send(ctx, Message{Type: TypeJoin, Token: c.opts.Token, Room: c.opts.Room}); err != nil {
		return err
	}
	for {
		m, err := c.readFrame(ctx)
		if err != nil {
			code := int(websocket.CloseStatus(err))
			if code < 0 {
				return fmt.Errorf("client: waiting for joined: %w", err)
			}
			return &JoinError{CloseCode: code, Reason: closeReason(err)}
		}
		switch m.Type {
		case TypeJoined:
			if m.You != nil {
				c.you = *m.You
			}
			c.room = m.Room
			c.applyEvent(m)
			return nil
		case TypePing:
			if err := c.Send(ctx, Message{Type: TypePong}); err != nil {
				return err
			}
		case TypeError:
			je := &JoinError{Err: &ServerError{Code: m.Code, Message: m.Message, Ref: m.Ref}}
			// The server closes next (4001, 4003): wait briefly for the code.
			rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			for err == nil {
				_, err = c.readFrame(rctx)
			}
			cancel()
			if code := int(websocket.CloseStatus(err)); code >= 0 {
				je.CloseCode, je.Reason = code, closeReason(err)
			}
			return je
		default:
			c.log.Debug("frame before joined", "type", m.Type)
		}
	}
}

// readFrame reads the next text frame; binary frames are skipped.
func (c *Client) readFrame(ctx context.Context) (Message, error) {
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return Message{}, err
		}
		if typ != websocket.MessageText {
			continue
		}
		var m Message
		if err := json.Unmarshal(data, &m); err != nil {
			c.log.Warn("undecodable frame", "err", err)
			c.localError("frame", fmt.Errorf("undecodable frame %.80q: %w", data, err))
			continue
		}
		return m, nil
	}
}

func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}

// Send writes m as one text frame. It fails with ErrClosed once the session
// has ended.
func (c *Client) Send(ctx context.Context, m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("client: encode %s: %w", m.Type, err)
	}
	return c.write(ctx, websocket.MessageText, data, m.Type)
}

// SendText writes data as one text frame, unchecked (for malformed frames).
func (c *Client) SendText(ctx context.Context, data []byte) error {
	return c.write(ctx, websocket.MessageText, data, "raw")
}

// SendBinary writes data as one binary frame (which the server refuses).
func (c *Client) SendBinary(ctx context.Context, data []byte) error {
	return c.write(ctx, websocket.MessageBinary, data, "binary")
}

func (c *Client) write(ctx context.Context, typ websocket.MessageType, data []byte, what string) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	if err := c.ws.Write(ctx, typ, data); err != nil {
		return fmt.Errorf("client: send %s: %w", what, err)
	}
	return nil
}

// sendOwn sends a frame of the client's own protocol handling, bounded by
// Options.Timeout and the session.
func (c *Client) sendOwn(m Message) {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	if err := c.Send(ctx, m); err != nil && c.ctx.Err() == nil {
		c.log.Warn("send failed", "type", m.Type, "err", err)
	}
}

// SetLayer asks for a simulcast layer ("low", "medium", "high") of one
// track, or of every video track when trackID is empty.
func (c *Client) SetLayer(ctx context.Context, trackID, quality string) error {
	return c.Send(ctx, Message{Type: TypeLayer, TrackID: trackID, Quality: quality})
}

// Mute sends a "mute" frame for a participant's track.
func (c *Client) Mute(ctx context.Context, identity, trackID string, muted bool) error {
	return c.Send(ctx, Message{Type: TypeMute, ParticipantID: identity, TrackID: trackID, Muted: muted})
}

// Remove sends a "remove" frame for a participant (room admins only).
func (c *Client) Remove(ctx context.Context, identity string) error {
	return c.Send(ctx, Message{Type: TypeRemove, ParticipantID: identity})
}

// Move sends a "move" frame (room admins only): the participant identity is
// sent to room, the main room or one of its caucus rooms. The moved client
// gets a TypeMoved event whose Token joins room; its session then ends
// (close code 4011), and it must Dial again with that token.
func (c *Client) Move(ctx context.Context, identity, room string) error {
	return c.Send(ctx, Message{Type: TypeMove, ParticipantID: identity, Room: room})
}

// Admit sends an "admit" frame (room admins only) for a waiting
// participant. The admitted client gets a TypeAdmitted event; from then on
// it may publish: see Publish. The event's Token joins without waiting.
func (c *Client) Admit(ctx context.Context, identity string) error {
	return c.Send(ctx, Message{Type: TypeAdmit, ParticipantID: identity})
}

// Close leaves the room: it sends "leave", waits up to 2 s for the server to
// close the socket (so CloseStatus reports the server's 1000), closes the
// socket and the PeerConnection, and waits for every goroutine of the
// client. It is idempotent and always returns nil.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		select {
		case <-c.done:
		default:
			c.leaving.Store(true)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := c.Send(ctx, Message{Type: TypeLeave})
			cancel()
			if err == nil {
				select {
				case <-c.done:
				case <-time.After(2 * time.Second):
				}
			}
			c.ws.CloseNow()
			<-c.done
		}
		close(c.evStop)
		<-c.evDone
	})
	return nil
}

// Done is closed when the session has ended (the server closed the socket,
// the connection broke, or Close) and the client's media has stopped.
func (c *Client) Done() <-chan struct{} { return c.done }

// CloseStatus returns the WebSocket close code the server sent, and 0 while
// the session lasts or when the connection ended without a close frame.
func (c *Client) CloseStatus() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode
}

// CloseReason returns the reason of the server's close frame, if any.
func (c *Client) CloseReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeReason
}

// Identity returns this participant's identity, from "joined".
func (c *Client) Identity() string { return c.you.Identity }

// You returns this participant as "joined" described it.
func (c *Client) You() Participant { return c.you }

// Room returns the room named in "joined".
func (c *Client) Room() string { return c.room }

// Recording reports whether the room is being recorded, as "joined" and
// the "recording" frames since said.
func (c *Client) Recording() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recording
}

// PeerConnection returns the client's PeerConnection (for GetStats and the
// like; do not renegotiate on it).
func (c *Client) PeerConnection() *webrtc.PeerConnection { return c.pc }

// WaitConnected waits until the PeerConnection is connected. It fails if the
// session ends first or ctx expires.
func (c *Client) WaitConnected(ctx context.Context) error {
	select {
	case <-c.connected:
		return nil
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("client %s: waiting for connection (state %s): %w",
			c.you.Identity, c.pc.ConnectionState(), ctx.Err())
	}
}

// WaitFor polls cond every 10 ms until it reports true, and fails when ctx
// expires. cond may call any method of the client.
func (c *Client) WaitFor(ctx context.Context, cond func(*Client) bool) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !cond(c) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("client %s: condition not met: %w", c.you.Identity, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Participants returns the other participants in the room, by identity,
// as "joined", "participant-joined" and "participant-left" described them.
func (c *Client) Participants() []Participant {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Participant, 0, len(c.participants))
	for _, p := range c.participants {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Participant) int { return cmp.Compare(a.Identity, b.Identity) })
	return out
}

// Tracks returns the other participants' tracks as announced ("joined",
// "track-published", "track-updated", "track-unpublished"), by participant
// then id. It says what the server announced, not what arrives: see Received.
func (c *Client) Tracks() []Track {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Track, 0, len(c.tracks))
	for _, t := range c.tracks {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Track) int {
		return cmp.Compare(Key(a.Participant, a.ID), Key(b.Participant, b.ID))
	})
	return out
}
