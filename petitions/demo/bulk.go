package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// BulkStore is a store that also loads cases in bulk.
type BulkStore interface {
	petitions.Store
	petitions.BulkLoader
}

// BulkConfig says what BulkLoad adds to a generation.
type BulkConfig struct {
	// Reads is the mean number of "read" events (a case file opened, as
	// casework logs it) added to each case after its last step, spread
	// over the weeks that follow and never after Config.To; 0 adds none.
	Reads float64
}

// BulkLoad writes what Load writes, the same for the same cfg, through
// store's BulkLoad: the units, stations, accounts and schedule one by one,
// then the cases a batch at a time, generation running beside the writes.
// With bc.Reads it adds read events, which Load does not.
func BulkLoad(ctx context.Context, store BulkStore, cfg Config, bc BulkConfig) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e := &bulkEmitter{Store: store, ctx: ctx, out: make(chan *petitions.BulkCase, 256), bc: bc,
		to: cfg.withDefaults().To, r: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7265616473)), lcs: lifecycles()}
	type result struct {
		sum Summary
		err error
	}
	gen := make(chan result, 1)
	go func() {
		sum, err := generate(ctx, cfg, e)
		if err == nil {
			err = e.send()
		}
		close(e.out)
		gen <- result{sum, err}
	}()
	seq := func(yield func(*petitions.BulkCase, error) bool) {
		for c := range e.out {
			if !yield(c, nil) {
				return
			}
		}
	}
	_, err := store.BulkLoad(ctx, iter.Seq2[*petitions.BulkCase, error](seq))
	cancel() // the generator stops if the load did
	for range e.out {
	}
	g := <-gen
	g.sum.Events += e.reads
	if err != nil {
		return g.sum, err
	}
	return g.sum, g.err
}

// bulkEmitter passes the directory on to the store and gathers each case's
// steps into one BulkCase, sent when the next case begins.
type bulkEmitter struct {
	petitions.Store
	ctx   context.Context
	out   chan *petitions.BulkCase
	bc    BulkConfig
	to    time.Time
	r     *rand.Rand
	lcs   map[petitions.Kind]*petitions.Lifecycle
	cur   *petitions.BulkCase
	reads int
}

func (e *bulkEmitter) CreatePetition(ctx context.Context, p *petitions.Petition, ev *petitions.Event) error {
	if err := e.send(); err != nil {
		return err
	}
	c := p.Clone()
	c.Version = 1
	first := *ev
	first.CaseID = p.ID
	e.cur = &petitions.BulkCase{Petition: c, Events: []*petitions.Event{&first}}
	p.Version = 1
	return nil
}

func (e *bulkEmitter) UpdatePetition(ctx context.Context, p *petitions.Petition, v int64, ev *petitions.Event) error {
	if e.cur == nil || e.cur.Petition.ID != p.ID || e.cur.Petition.Version != v {
		return petitions.Errorf(petitions.ECONFLICT, "Case %s changed meanwhile.", p.ID)
	}
	c := p.Clone()
	c.Version = v + 1
	next := *ev
	next.CaseID = p.ID
	e.cur.Petition = c
	e.cur.Events = append(e.cur.Events, &next)
	p.Version = c.Version
	return nil
}

func (e *bulkEmitter) SaveSession(ctx context.Context, s *petitions.Session) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if e.cur == nil || s.CaseID != e.cur.Petition.ID {
		return e.Store.SaveSession(ctx, s)
	}
	e.cur.Sessions = append(e.cur.Sessions, s.Clone())
	return nil
}

// send adds the statistics facts and the reads to the current case and
// passes it on.
func (e *bulkEmitter) send() error {
	c := e.cur
	if c == nil {
		return nil
	}
	e.cur = nil
	// The facts as the case's last change left them (reads change none),
	// of its events as the store keeps them (to the microsecond).
	evs := make([]*petitions.Event, len(c.Events))
	for i, ev := range c.Events {
		x := *ev
		x.At = x.At.Truncate(time.Microsecond)
		evs[i] = &x
	}
	f, err := stats.FactsOf(c.Petition, evs, e.lcs)
	if err != nil {
		return err
	}
	c.Facts = f
	n := int(e.bc.Reads)
	if e.r.Float64() < e.bc.Reads-float64(n) {
		n++
	}
	at := c.Events[len(c.Events)-1].At
	data, _ := json.Marshal(map[string]any{"what": "case", "redacted": false})
	for range n {
		reader := fmt.Sprintf("dispatcher.%02d", 1+e.r.IntN(3))
		at = at.Add(time.Duration(1+e.r.IntN(14*24*60)) * time.Minute)
		if at.After(e.to) {
			break
		}
		c.Events = append(c.Events, &petitions.Event{CaseID: c.Petition.ID, Kind: "read", Actor: reader, ActorRole: string(petitions.RoleDispatcher), At: at, Data: data})
		e.reads++
	}
	select {
	case e.out <- c:
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}
