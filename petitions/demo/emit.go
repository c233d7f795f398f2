package demo

import (
	"context"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// Emitter receives the generated ledger; petitions.Store satisfies it.
type Emitter interface {
	CreateUnit(ctx context.Context, u *petitions.Unit) error
	CreatePetition(ctx context.Context, p *petitions.Petition, ev *petitions.Event) error
	UpdatePetition(ctx context.Context, p *petitions.Petition, expectedVersion int64, ev *petitions.Event) error
	SaveSession(ctx context.Context, s *petitions.Session) error
	CreateStation(ctx context.Context, s *petitions.Station) error
	CreatePerson(ctx context.Context, p *petitions.Person) error
	CreateReception(ctx context.Context, r *petitions.Reception) error
}

// Summary counts what a generation emitted.
type Summary struct {
	Units      int
	Stations   int
	People     int // accounts
	Receptions int // entries of the reception schedule
	Cases      int
	Events     int
	Sessions   int
	// States counts the cases by kind and final state.
	States map[petitions.Kind]map[petitions.State]int
	// Overdue counts the cases overdue at Config.To.
	Overdue int
}

// counter is an Emitter that counts and passes everything on. Cases arrive
// one after the other, so the state of the current case is final when the
// next begins.
type counter struct {
	next Emitter
	to   time.Time
	lcs  map[petitions.Kind]*petitions.Lifecycle
	sum  Summary
	cur  *petitions.Petition
	st   petitions.State
}

func (c *counter) flush() {
	if c.cur != nil {
		c.sum.States[c.cur.Kind][c.st]++
		if c.lcs[c.cur.Kind].Overdue(c.cur, c.to) {
			c.sum.Overdue++
		}
		c.cur = nil
	}
}

func (c *counter) CreateUnit(ctx context.Context, u *petitions.Unit) error {
	c.sum.Units++
	return c.next.CreateUnit(ctx, u)
}

func (c *counter) CreateStation(ctx context.Context, s *petitions.Station) error {
	c.sum.Stations++
	return c.next.CreateStation(ctx, s)
}

func (c *counter) CreatePerson(ctx context.Context, p *petitions.Person) error {
	c.sum.People++
	return c.next.CreatePerson(ctx, p)
}

func (c *counter) CreateReception(ctx context.Context, r *petitions.Reception) error {
	c.sum.Receptions++
	return c.next.CreateReception(ctx, r)
}

func (c *counter) CreatePetition(ctx context.Context, p *petitions.Petition, ev *petitions.Event) error {
	c.flush()
	if err := c.next.CreatePetition(ctx, p, ev); err != nil {
		return err
	}
	c.cur, c.st = p, p.State
	c.sum.Cases++
	c.sum.Events++
	return nil
}

func (c *counter) UpdatePetition(ctx context.Context, p *petitions.Petition, v int64, ev *petitions.Event) error {
	if err := c.next.UpdatePetition(ctx, p, v, ev); err != nil {
		return err
	}
	c.st = p.State
	c.sum.Events++
	return nil
}

func (c *counter) SaveSession(ctx context.Context, s *petitions.Session) error {
	c.sum.Sessions++
	return c.next.SaveSession(ctx, s)
}

// Load writes the demo unit tree, stations, accounts, the reception
// schedule of the month of cfg.To and the next, and cfg.Cases generated
// cases into store, with the statistics facts of each (stats.Backfill),
// and returns what it wrote.
func Load(ctx context.Context, store petitions.Store, cfg Config) (Summary, error) {
	sum, err := generate(ctx, cfg, store)
	if err != nil {
		return sum, err
	}
	_, err = stats.Backfill(ctx, store, lifecycles())
	return sum, err
}

// lifecycles are the lifecycles the demo's cases follow.
func lifecycles() map[petitions.Kind]*petitions.Lifecycle {
	cal := petitions.DefaultCalendar()
	return map[petitions.Kind]*petitions.Lifecycle{
		petitions.KindPetition:  petitions.PetitionLifecycle(cal, nil),
		petitions.KindMediation: petitions.MediationLifecycle(cal, nil),
	}
}

// generate runs Generate through a counter.
func generate(ctx context.Context, cfg Config, emit Emitter) (Summary, error) {
	c := &counter{next: emit, to: cfg.withDefaults().To, lcs: lifecycles(), sum: Summary{States: map[petitions.Kind]map[petitions.State]int{
		petitions.KindPetition: {}, petitions.KindMediation: {},
	}}}
	err := GenerateContext(ctx, cfg, c)
	c.flush()
	return c.sum, err
}
