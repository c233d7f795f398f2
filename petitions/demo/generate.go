package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"hearingroom/petitions"
)

// china is the time zone of the ledger's dates.
var china = time.FixedZone("CST", 8*3600)

// Config says what to generate. Zero fields take defaults: 300 cases from
// 2025-01-01 to 2026-11-01 China time, a third of them mediations.
type Config struct {
	Seed  int64
	Cases int
	// From and To bound the ledger: cases are received in order, evenly
	// spread, and no step happens after To, so the latest cases are still
	// open (and some overdue) at To. Every state is guaranteed only when the
	// window is long enough for the first cases to finish (a year or more).
	From, To time.Time
	// MediationShare is the share of cases that are mediations (0 < s ≤ 1;
	// 0 means the default, 0.35).
	MediationShare float64
}

func (c Config) withDefaults() Config {
	if c.Cases <= 0 {
		c.Cases = 300
	}
	if c.From.IsZero() {
		c.From = time.Date(2025, 1, 1, 0, 0, 0, 0, china)
	}
	if c.To.IsZero() || !c.To.After(c.From) {
		c.To = time.Date(2026, 11, 1, 0, 0, 0, 0, china)
	}
	if c.MediationShare <= 0 || c.MediationShare > 1 {
		c.MediationShare = 0.35
	}
	return c
}

// target is a state a case is driven to, with its weight among the
// generated cases and, for a state in which the case is still open, the
// longest the generator takes to reach it (days from receipt; 0 for a
// final state).
type target struct {
	state  petitions.State
	weight int
	days   int
}

// recent is how long after reaching an open state a case is still likely
// to be in it; older cases drawn for an open state are mostly finished.
const recent = 60

// Target states, roughly in the proportions of a ledger a year or two old:
// most cases closed or archived, every state present.
var (
	petitionTargets = []target{
		{petitions.StateRegistered, 3, 5}, {petitions.StateTransferred, 3, 12}, {petitions.StateNotAccepted, 5, 0},
		{petitions.StateDiverted, 4, 0}, {petitions.StateAccepted, 3, 50}, {petitions.StateInProgress, 8, 110},
		{petitions.StateReplied, 5, 150}, {petitions.StateReviewRequested, 2, 175}, {petitions.StateReviewAnswered, 2, 215},
		{petitions.StateRecheckRequested, 1, 250}, {petitions.StateTerminated, 1, 0}, {petitions.StateClosed, 25, 0},
		{petitions.StateWithdrawn, 3, 0}, {petitions.StateArchived, 35, 0},
	}
	mediationTargets = []target{
		{petitions.StateApplied, 2, 3}, {petitions.StateRefused, 3, 0}, {petitions.StateMediatorPending, 2, 12},
		{petitions.StateAccepted, 2, 16}, {petitions.StateInMediation, 5, 25}, {petitions.StateAgreementReached, 2, 55},
		{petitions.StateAgreementEffective, 3, 65}, {petitions.StateConfirmationApplied, 2, 85},
		{petitions.StateConfirmedValid, 2, 105}, {petitions.StateConfirmedInvalid, 1, 105}, {petitions.StatePerforming, 5, 110},
		{petitions.StatePerformed, 4, 175}, {petitions.StateBreached, 1, 175}, {petitions.StateFailed, 3, 55},
		{petitions.StateTerminatedByParty, 2, 55}, {petitions.StateClosed, 30, 0}, {petitions.StateArchived, 30, 0},
	}
)

// gen holds the state of one generation.
type gen struct {
	ctx    context.Context
	cfg    Config
	r      *rand.Rand
	emit   Emitter
	people *People
	cal    *petitions.Calendar
	pl, ml *petitions.Lifecycle
	serial map[int]int // per year
	// seen records the final states reached so far; last is the case
	// generated last.
	seen map[petitions.Kind]map[petitions.State]bool
	last *petitions.Petition
	// schedules caches the reception schedule of the current month.
	schedules map[int]Schedule
}

// Generate streams the demo ledger into emit: the unit tree, the stations,
// the accounts and the reception schedule of the month of cfg.To and the
// next, then cfg.Cases cases, each created and driven through its lifecycle
// to a target state with one event per step, and the sessions held on them.
// The first cases take every state of both lifecycles in turn; the rest are
// drawn by weight. Only one case is held in memory at a time. The same cfg
// gives the same ledger, but for the salt of the shared password hash.
func Generate(cfg Config, emit Emitter) error {
	return GenerateContext(context.Background(), cfg, emit)
}

// GenerateContext is Generate with a context, passed to emit.
func GenerateContext(ctx context.Context, cfg Config, emit Emitter) error {
	cfg = cfg.withDefaults()
	cal := petitions.DefaultCalendar()
	g := &gen{ctx: ctx, cfg: cfg, r: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c6564676572)), emit: emit,
		people: NewPeople(cfg.Seed), cal: cal,
		pl: petitions.PetitionLifecycle(cal, nil), ml: petitions.MediationLifecycle(cal, nil), serial: map[int]int{}, schedules: map[int]Schedule{},
		seen: map[petitions.Kind]map[petitions.State]bool{petitions.KindPetition: {}, petitions.KindMediation: {}}}
	for _, u := range Units() {
		if err := emit.CreateUnit(ctx, u); err != nil {
			return fmt.Errorf("demo: unit %s: %w", u.ID, err)
		}
	}
	if err := g.directory(); err != nil {
		return err
	}
	span := cfg.To.Sub(cfg.From)
	for i := range cfg.Cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Evenly spread, jittered within the slot: cases arrive in order.
		slot := span / time.Duration(cfg.Cases)
		at := cfg.From.Add(slot*time.Duration(i) + time.Duration(g.r.Int64N(int64(max(slot, 1))))).Truncate(time.Second)
		kind, st := g.pick(i, cfg.To.Sub(at))
		var err error
		if kind == petitions.KindPetition {
			err = g.petition(at, st)
		} else {
			err = g.mediation(at, st)
		}
		if err != nil && !errors.Is(err, errHorizon) {
			return fmt.Errorf("demo: case %d (%s → %s): %w", i+1, kind, st, err)
		}
		g.seen[kind][g.last.State] = true
	}
	return nil
}

// pick chooses the kind and target state of case i, received age before
// Config.To. The first cases take every final state of both lifecycles in
// turn, alternating kinds; a case whose age fits an open state no case has
// reached yet takes it; the rest are drawn by weight, and an old case drawn
// for an open state is mostly finished instead.
func (g *gen) pick(i int, age time.Duration) (petitions.Kind, petitions.State) {
	days := int(age.Hours() / 24)
	k := 0
	for j := range max(len(petitionTargets), len(mediationTargets)) {
		for _, kt := range []struct {
			kind petitions.Kind
			ts   []target
		}{{petitions.KindPetition, petitionTargets}, {petitions.KindMediation, mediationTargets}} {
			if j < len(kt.ts) && kt.ts[j].days == 0 {
				if k == i {
					return kt.kind, kt.ts[j].state
				}
				k++
			}
		}
	}
	for _, kind := range []petitions.Kind{petitions.KindPetition, petitions.KindMediation} {
		for _, t := range targets(kind) {
			if t.days > 0 && !g.seen[kind][t.state] && days >= t.days && days <= t.days+recent {
				return kind, t.state
			}
		}
	}
	kind := petitions.KindPetition
	if g.r.Float64() < g.cfg.MediationShare {
		kind = petitions.KindMediation
	}
	t := weighted(g.r, targets(kind), func(target) bool { return true })
	if t.days > 0 && days > t.days+recent && g.r.IntN(20) > 0 {
		t = weighted(g.r, targets(kind), func(t target) bool { return t.days == 0 })
	}
	return kind, t.state
}

// targets returns the targets of kind.
func targets(kind petitions.Kind) []target {
	if kind == petitions.KindMediation {
		return mediationTargets
	}
	return petitionTargets
}

// weighted draws a target among those ok accepts, by weight.
func weighted(r *rand.Rand, ts []target, ok func(target) bool) target {
	sum := 0
	for _, t := range ts {
		if ok(t) {
			sum += t.weight
		}
	}
	n := r.IntN(sum)
	for _, t := range ts {
		if ok(t) {
			if n -= t.weight; n < 0 {
				return t
			}
		}
	}
	return ts[len(ts)-1]
}
