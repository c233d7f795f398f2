package reminders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"hearingroom/petitions"
)

// Channel delivers reminders somewhere: a webhook, a group robot.
type Channel interface {
	// Name names the channel in the outbox; it must stay the same across
	// restarts, or the outbox takes it for a new channel.
	Name() string
	// Send delivers r, or returns why it could not; a Dispatcher tries
	// again later.
	Send(ctx context.Context, r Reminder) error
}

// Outbox is the part of petitions.Store a Dispatcher uses; the methods do
// what petitions.Store says.
type Outbox interface {
	EnqueueReminders(ctx context.Context, rs []petitions.Reminder, channels []string) (int, error)
	PendingDeliveries(ctx context.Context, channel string, now time.Time, limit int) ([]*petitions.Delivery, error)
	MarkDelivered(ctx context.Context, id, channel string, at time.Time, ev *petitions.Event) error
	MarkFailed(ctx context.Context, id, channel string, attempts int, next time.Time, lastErr string) error
}

// InboxChannel is the in-app channel every Dispatcher has: a reminder is
// delivered on it by being in its recipients' inboxes (Store.Inbox), which
// EnqueueReminders fills, so its Send does nothing.
const InboxChannel = "inbox"

type inbox struct{}

func (inbox) Name() string                         { return InboxChannel }
func (inbox) Send(context.Context, Reminder) error { return nil }

// Defaults of Config.
const (
	DefaultInterval   = time.Minute
	DefaultMinBackoff = time.Minute
	DefaultMaxBackoff = time.Hour
	DefaultBatch      = 100
	DefaultTimeout    = 15 * time.Second
)

// Config is what New needs. Zero fields take the defaults.
type Config struct {
	Outbox Outbox // required: normally the petitions.Store
	Cases  Cases  // required: StoreCases
	People People // the lead unit's people; none when nil (StorePeople)
	// Channels are the operator's; the inbox channel comes first anyway.
	Channels []Channel
	// Offsets are the due_soon reminders; DefaultOffsets when nil, none
	// when empty but not nil.
	Offsets  []time.Duration
	Interval time.Duration // between ticks of Run; DefaultInterval
	// A failed delivery is tried again after MinBackoff, doubling with each
	// failure up to MaxBackoff, and then every MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	Batch                  int           // deliveries per channel per tick; DefaultBatch
	Timeout                time.Duration // per send; DefaultTimeout
	Log                    *slog.Logger
	Now                    func() time.Time
}

// Dispatcher scans the cases for reminders that have fired, enqueues them
// in the outbox and delivers them on every channel. Everything it knows is
// in the store: a new Dispatcher over the same store (after a restart)
// neither repeats what was delivered nor loses what was not. Build one with
// New and start it with Run.
type Dispatcher struct {
	c        Config
	channels []Channel
	names    []string
}

// New returns a Dispatcher. It fails if the outbox or the cases are
// missing, or two channels have one name.
func New(c Config) (*Dispatcher, error) {
	if c.Outbox == nil || c.Cases == nil {
		return nil, errors.New("reminders: a dispatcher needs an outbox and cases")
	}
	if c.Offsets == nil {
		c.Offsets = DefaultOffsets
	}
	c.Interval = orDefault(c.Interval, DefaultInterval)
	c.MinBackoff = orDefault(c.MinBackoff, DefaultMinBackoff)
	c.MaxBackoff = max(orDefault(c.MaxBackoff, DefaultMaxBackoff), c.MinBackoff)
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	d := &Dispatcher{c: c}
	for _, ch := range append([]Channel{inbox{}}, c.Channels...) {
		if ch.Name() == "" || slices.Contains(d.names, ch.Name()) {
			return nil, fmt.Errorf("reminders: channel name %q is empty or repeated", ch.Name())
		}
		d.channels = append(d.channels, ch)
		d.names = append(d.names, ch.Name())
	}
	return d, nil
}

// orDefault returns d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Channels returns the names of the dispatcher's channels, the inbox first.
func (d *Dispatcher) Channels() []string { return slices.Clone(d.names) }

// Run ticks at once and then every Interval until ctx is done; it returns
// nil then. A tick's errors are logged, and the next tick tries again.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.c.Interval)
	defer t.Stop()
	for {
		if err := d.Tick(ctx); err != nil && ctx.Err() == nil {
			d.c.Log.Error("reminders: tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick scans the cases, then delivers what is pending.
func (d *Dispatcher) Tick(ctx context.Context) error {
	_, scanErr := d.Scan(ctx)
	_, deliverErr := d.Deliver(ctx)
	return errors.Join(scanErr, deliverErr)
}

// Scan enqueues the reminders that have fired for every open case, with
// the lead unit's people among the recipients and a delivery on every
// channel, and returns how many were new. A case whose unit's people cannot
// be read is left for the next scan: a reminder is enqueued once, so it
// must be whole.
func (d *Dispatcher) Scan(ctx context.Context) (int, error) {
	now := d.c.Now()
	people := map[string][]string{}
	var batch []Reminder
	added := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := d.c.Outbox.EnqueueReminders(ctx, batch, d.names)
		if err != nil {
			return fmt.Errorf("reminders: enqueue: %w", err)
		}
		added += n
		batch = batch[:0]
		return nil
	}
	var skipped error
	err := d.c.Cases.OpenCases(ctx, func(p *petitions.Petition, lc *petitions.Lifecycle) error {
		rs := Due(p, lc, now, d.c.Offsets)
		if len(rs) == 0 {
			return nil
		}
		unit, ok := people[p.LeadUnit]
		if !ok && d.c.People != nil && p.LeadUnit != "" {
			var err error
			if unit, err = d.c.People.PeopleOf(ctx, p.LeadUnit); err != nil {
				skipped = errors.Join(skipped, fmt.Errorf("reminders: case %s: %w", p.CaseNo, err))
				return nil
			}
			people[p.LeadUnit] = unit
		}
		for _, r := range rs {
			for _, id := range unit {
				if !slices.Contains(r.Recipients, id) {
					r.Recipients = append(r.Recipients, id)
				}
			}
			batch = append(batch, r)
		}
		if len(batch) >= d.c.Batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if added > 0 {
		d.c.Log.Info("reminders: enqueued", "count", added)
	}
	return added, errors.Join(err, skipped)
}

// Deliver sends, on every channel at once, up to Batch of its pending
// deliveries, and returns how many it delivered.
func (d *Dispatcher) Deliver(ctx context.Context) (int, error) {
	var wg sync.WaitGroup
	counts := make([]int, len(d.channels))
	errs := make([]error, len(d.channels))
	for i, ch := range d.channels {
		wg.Go(func() { counts[i], errs[i] = d.deliverOn(ctx, ch) })
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, errors.Join(errs...)
}

// deliverOn sends the pending deliveries of one channel, one at a time.
func (d *Dispatcher) deliverOn(ctx context.Context, ch Channel) (int, error) {
	pending, err := d.c.Outbox.PendingDeliveries(ctx, ch.Name(), d.c.Now(), d.c.Batch)
	if err != nil {
		return 0, fmt.Errorf("reminders: pending on %s: %w", ch.Name(), err)
	}
	delivered := 0
	var errs []error
	for _, dl := range pending {
		if ctx.Err() != nil {
			break
		}
		ok, err := d.deliver(ctx, ch, dl)
		if ok {
			delivered++
		}
		errs = append(errs, err)
	}
	return delivered, errors.Join(errs...)
}

// deliver sends one delivery and records the outcome: delivered, with its
// reminder.sent event, or failed, with the time of the next attempt. It
// reports whether it was delivered; the error is the store's only (a send
// that fails is logged and retried, not an error).
func (d *Dispatcher) deliver(ctx context.Context, ch Channel, dl *petitions.Delivery) (bool, error) {
	r := dl.Reminder
	log := d.c.Log.With("reminder", r.ID, "channel", ch.Name(), "case", r.CaseNo, "kind", r.Kind, "step", r.Step)
	sendCtx, cancel := context.WithTimeout(ctx, d.c.Timeout)
	sendErr := ch.Send(sendCtx, r)
	cancel()
	now := d.c.Now()
	if sendErr != nil {
		attempts := dl.Attempts + 1
		next := now.Add(d.Backoff(attempts))
		log.Warn("reminders: send failed", "attempts", attempts, "next", next, "err", sendErr)
		if err := d.c.Outbox.MarkFailed(ctx, r.ID, ch.Name(), attempts, next, truncate(sendErr.Error(), 500)); err != nil {
			return false, fmt.Errorf("reminders: mark %s failed on %s: %w", r.ID, ch.Name(), err)
		}
		return false, nil
	}
	data, _ := json.Marshal(map[string]string{"id": r.ID, "channel": ch.Name(), "case": r.CaseNo})
	ev := &petitions.Event{Kind: petitions.KindReminderSent, Actor: petitions.SessionActor,
		ActorRole: petitions.SessionActorRole, At: now, Data: data}
	if err := d.c.Outbox.MarkDelivered(ctx, r.ID, ch.Name(), now, ev); err != nil {
		return false, fmt.Errorf("reminders: mark %s delivered on %s: %w", r.ID, ch.Name(), err)
	}
	log.Info("reminders: sent", "attempts", dl.Attempts+1, "recorded", ev.Seq != 0)
	return true, nil
}

// Backoff returns how long to wait before the next attempt after the
// given number of failed ones: MinBackoff doubled attempts-1 times, at most
// MaxBackoff.
func (d *Dispatcher) Backoff(attempts int) time.Duration {
	b := d.c.MinBackoff
	for i := 1; i < attempts && b < d.c.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.c.MaxBackoff)
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
