// Package casework carries out what the people of a county ask of the
// ledger: registering a case, reading it, moving it through its lifecycle,
// supervising and summoning, managing accounts, terminals and the reception
// schedule. It is where the rules of package petitions meet a Store: every
// request is decided by the access policy (petitions.Decide) for the actor
// who makes it, every change is an event in the hash-chained history, and
// every read of a case file or an export is itself an event (who, when,
// what).
//
// The web layer turns HTTP requests into calls of a Service; nothing here
// knows about HTTP.
package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"hearingroom/petitions"
)

// Kinds of the events a Service appends besides lifecycle transitions
// ("transition") and registrations ("registered").
const (
	KindRegistered     = "registered"
	KindTransition     = "transition"
	KindRead           = "read"   // a case file, its history, sessions or parties read
	KindExport         = "export" // a bulk export of the ledger (ledger-level), or a session's video
	KindSupervised     = "supervised"
	KindFeedback       = "supervision.feedback"
	KindSummoned       = "summoned"
	KindReportedIn     = "summons.reported"
	KindPersonSaved    = "person.saved" // ledger-level: an account created or changed
	KindPassword       = "person.password"
	KindStation        = "station.created"
	KindStationChanged = "station.changed"
	KindPairing        = "terminal.pairing"
	KindEnrolled       = "terminal.enrolled"
	KindRevoked        = "terminal.revoked"
	KindScheduled      = "reception.scheduled"
	KindUnscheduled    = "reception.cancelled"
)

// Service is the ledger as its users meet it. Build one with New; it is
// safe for concurrent use.
type Service struct {
	store petitions.Store
	cal   *petitions.Calendar
	lcs   map[petitions.Kind]*petitions.Lifecycle
	cats  []petitions.Category
	log   *slog.Logger
	now   func() time.Time

	playback   Playback   // where recordings are played from
	recordings Recordings // where exports read them
	compositor Compositor // renders a session's export

	mu     sync.Mutex
	tree   *petitions.UnitTree // nil until first needed, and after a change
	serial map[int]int         // the last case serial used, per year
}

// Config holds what New needs besides the store. Zero fields take defaults.
type Config struct {
	Calendar   *petitions.Calendar  // DefaultCalendar when nil
	Categories []petitions.Category // DefaultCategories when nil
	Log        *slog.Logger
	Now        func() time.Time // time.Now when nil
	// Playback gives the URLs of recordings; without it PlaybackURL fails.
	Playback Playback
	// Recordings reads recordings for ExportSession, which Compositor
	// renders; without a Compositor ExportSession fails with EUNAVAILABLE.
	Recordings Recordings
	Compositor Compositor
}

// New returns a Service over store.
func New(store petitions.Store, c Config) *Service {
	if c.Calendar == nil {
		c.Calendar = petitions.DefaultCalendar()
	}
	if c.Categories == nil {
		c.Categories = petitions.DefaultCategories()
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{
		store: store, cal: c.Calendar, cats: c.Categories, log: c.Log, now: c.Now, playback: c.Playback,
		recordings: c.Recordings, compositor: c.Compositor,
		lcs: map[petitions.Kind]*petitions.Lifecycle{
			petitions.KindPetition:  petitions.PetitionLifecycle(c.Calendar, nil),
			petitions.KindMediation: petitions.MediationLifecycle(c.Calendar, nil),
		},
		serial: map[int]int{},
	}
}

// Store returns the store the service works on.
func (s *Service) Store() petitions.Store { return s.store }

// Lifecycle returns the lifecycle of kind, or nil for an unknown kind.
func (s *Service) Lifecycle(kind petitions.Kind) *petitions.Lifecycle { return s.lcs[kind] }

// Categories returns the catalogue of dispute types.
func (s *Service) Categories() []petitions.Category { return append([]petitions.Category{}, s.cats...) }

// Tree returns the unit tree with its stations, read from the store once
// and again after the service changes units or stations.
func (s *Service) Tree(ctx context.Context) (*petitions.UnitTree, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tree != nil {
		return s.tree, nil
	}
	units, err := s.store.Units(ctx)
	if err != nil {
		return nil, fmt.Errorf("casework: units: %w", err)
	}
	stations, err := s.store.Stations(ctx)
	if err != nil {
		return nil, fmt.Errorf("casework: stations: %w", err)
	}
	t := petitions.NewUnitTree(units)
	for _, st := range stations {
		t.SetStation(st.ID, st.Unit)
	}
	s.tree = t
	return t, nil
}

// forgetTree makes the next Tree read the store again.
func (s *Service) forgetTree() {
	s.mu.Lock()
	s.tree = nil
	s.mu.Unlock()
}

// event builds an event by actor in the first of its roles (or role, when
// given) with data marshalled as its content.
func (s *Service) event(kind string, a petitions.Actor, role petitions.Role, data any) (*petitions.Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("casework: event %s: %w", kind, err)
	}
	if role == "" {
		role = primaryRole(a)
	}
	actor := a.ID
	if actor == "" {
		actor = "anonymous"
	}
	return &petitions.Event{Kind: kind, Actor: actor, ActorRole: string(role), At: s.now(), Data: b}, nil
}

// appendEvent appends a new event; caseID "" makes it ledger-level.
func (s *Service) appendEvent(ctx context.Context, caseID, kind string, a petitions.Actor, role petitions.Role, data any) error {
	ev, err := s.event(kind, a, role, data)
	if err != nil {
		return err
	}
	ev.CaseID = caseID
	if err := s.store.AppendEvent(ctx, ev); err != nil {
		return fmt.Errorf("casework: append %s: %w", kind, err)
	}
	return nil
}

// primaryRole is the role an actor's ledger-level events name: his first.
func primaryRole(a petitions.Actor) petitions.Role {
	if len(a.Roles) == 0 {
		return "none"
	}
	return a.Roles[0].Role
}

// newID returns a new time-ordered id (petitions.NewID).
func newID() string { return petitions.NewID(time.Now()) }

// china is the county's time zone: days, years and schedules are counted
// in it.
var china = time.FixedZone("CST", 8*3600)

// Day returns the DayLayout day of t in China time.
func Day(t time.Time) string { return t.In(china).Format(petitions.DayLayout) }
