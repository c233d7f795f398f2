package petitions

import (
	"context"
	"time"
)

// Store keeps the ledger: the unit tree, the cases and their append-only,
// hash-chained history. petitions/sqlite and petitions/postgres implement it,
// and petitions/storetest is the conformance suite both pass.
//
// Every error a Store returns is an *Error (ErrorCode reads its code) or
// wraps one: ENOTFOUND for something missing, ECONFLICT for a duplicate or a
// stale version, EINVALID for input the store cannot keep, EINTERNAL for
// anything else (the cause stays in the chain for the log). Not found is an
// error, never a nil result. A Store is safe for concurrent use.
type Store interface {
	// CreateUnit adds u to the tree. It returns EINVALID if u has no id or
	// name, or names a parent that does not exist, and ECONFLICT if a unit
	// with u.ID exists. The store checks neither levels nor the shape of the
	// tree: ValidateUnits does.
	CreateUnit(ctx context.Context, u *Unit) error
	// Unit returns the unit with the given id, or ENOTFOUND.
	Unit(ctx context.Context, id string) (*Unit, error)
	// Units returns the whole tree, each parent before its children and
	// siblings by id; an empty slice when there is none.
	Units(ctx context.Context) ([]*Unit, error)

	// CreatePetition stores the new case p with Version 1 and appends ev, its
	// "registered" event, in one transaction: both are stored or neither.
	// ev.CaseID is set to p.ID; on success ev is sealed (see AppendEvent) and
	// p.Version is 1. It returns EINVALID if p has no ID or CaseNo or ev
	// cannot be sealed, and ECONFLICT if a case with p.ID or p.CaseNo exists.
	CreatePetition(ctx context.Context, p *Petition, ev *Event) error
	// CreatePetitionWithFacts is CreatePetition that also stores f, the
	// statistics facts of p as created (stats.FactsOf of p at Version 1 and
	// ev; see SaveFacts), in the same transaction: the case, its event and
	// its facts are all stored or none is. f may be nil (no facts); it
	// returns EINVALID if f is of another case than p.
	CreatePetitionWithFacts(ctx context.Context, p *Petition, ev *Event, f *CaseFacts) error
	// Petition returns the case with the given id, its Version the stored
	// one, or ENOTFOUND.
	Petition(ctx context.Context, id string) (*Petition, error)
	// PetitionByNumber returns the case with the given public case number
	// (CaseNo), or ENOTFOUND.
	PetitionByNumber(ctx context.Context, caseNo string) (*Petition, error)
	// UpdatePetition replaces the stored case p.ID by p and appends ev, the
	// event recording the change, in one transaction, provided the stored
	// version is expectedVersion; the stored version becomes
	// expectedVersion+1, and so does p.Version. ev.CaseID is set to p.ID and
	// ev is sealed on success. It returns ENOTFOUND if the case does not
	// exist, ECONFLICT (changing nothing) if its stored version is not
	// expectedVersion — of concurrent updates from one version exactly one
	// succeeds — or if p.CaseNo is another case's, and EINVALID if ev is nil
	// or cannot be sealed.
	UpdatePetition(ctx context.Context, p *Petition, expectedVersion int64, ev *Event) error
	// ListPetitions returns at most f.Limit cases that match f, in f.Sort
	// order (id order by default), starting after the cursor f.After; an
	// empty slice when none match. Pass CursorOf(last, f.Sort) — for id
	// order simply the last id — as the next f.After to read the following
	// page: no case is returned twice or skipped, ties included. It returns
	// EINVALID for an unknown sort or a cursor of another sort.
	ListPetitions(ctx context.Context, f PetitionFilter) ([]*Petition, error)

	// AppendEvent seals ev as the next event of the ledger and of its case
	// (Seal, with the last event of each read in the same transaction) and
	// stores it; on success ev holds its Seq, CaseSeq and hashes. Concurrent
	// appends are safe: the store retries an append that lost a race for a
	// sequence number. It returns ENOTFOUND if ev.CaseID is not "" and names
	// no case, and EINVALID (wrapping ErrChain) if Seal refuses ev.
	AppendEvent(ctx context.Context, ev *Event) error
	// Events returns the history of one case in CaseSeq order, or ENOTFOUND
	// if the case does not exist.
	Events(ctx context.Context, caseID string) ([]*Event, error)
	// ScanEvents calls fn for each event with Seq >= fromSeq, in Seq order,
	// without holding the history in memory. fn must not keep the event it
	// is given: the store may reuse it. If fn returns an error, ScanEvents
	// stops and returns that error unchanged.
	ScanEvents(ctx context.Context, fromSeq int64, fn func(*Event) error) error

	// SaveFacts stores the statistics facts of case f.CaseID (stats.FactsOf),
	// replacing those stored unless they are of a newer case version, and
	// resolves f's station and village to units as the worklists do. It
	// returns ENOTFOUND if the case does not exist.
	SaveFacts(ctx context.Context, f *CaseFacts) error
	// AggregateFacts sums the stored facts of the registered cases q
	// selects, per group of q.GroupBy (the key "" for GroupNone), exactly
	// as stats.AddFacts would; groups without a case are absent. It returns
	// EINVALID for an unknown grouping.
	AggregateFacts(ctx context.Context, q FactsQuery) (map[string]*FactsTotals, error)

	// SaveSession stores s, inserting it or replacing the stored session
	// s.ID. It never unlinks: if the stored session belongs to a case and
	// s.CaseID is "", the stored case is kept and s.CaseID set to it. It
	// returns EINVALID if s does not Validate, and ECONFLICT if the stored
	// session belongs to another case than a non-empty s.CaseID (LinkSession
	// is how a session changes case). It appends no event: the caller
	// records the session's start and end (KindSessionStarted,
	// KindSessionEnded) with AppendEvent.
	SaveSession(ctx context.Context, s *Session) error
	// Session returns the session with the given id, or ENOTFOUND.
	Session(ctx context.Context, id string) (*Session, error)
	// Sessions returns at most f.Limit sessions that match f, in id order,
	// starting after f.After; an empty slice when none match.
	Sessions(ctx context.Context, f SessionFilter) ([]*Session, error)
	// LinkSession sets the case of session sessionID to caseID and appends
	// ev (normally KindSessionLinked) to that case's history, in one
	// transaction. ev.CaseID is set to caseID and ev is sealed on success.
	// It returns ENOTFOUND if the session or the case does not exist,
	// ECONFLICT if the session belongs to another case, and EINVALID if ev
	// is nil or cannot be sealed.
	LinkSession(ctx context.Context, sessionID, caseID string, ev *Event) error

	// CreatePerson stores p, with CreatedAt set to the store's clock if it
	// is zero. It returns EINVALID if p does not Validate (a login must be
	// given as NormalizeLogin returns it), and ECONFLICT if a person with
	// p.ID or p.Login exists.
	CreatePerson(ctx context.Context, p *Person) error
	// Person returns the person with the given id, PasswordHash included,
	// or ENOTFOUND.
	Person(ctx context.Context, id string) (*Person, error)
	// PersonByLogin returns the person whose login is NormalizeLogin(login),
	// PasswordHash included, or ENOTFOUND.
	PersonByLogin(ctx context.Context, login string) (*Person, error)
	// SetPasswordHash replaces the password hash of person id by hash, a
	// string HashPassword returned. It returns ENOTFOUND if there is no
	// such person and EINVALID if hash is "".
	SetPasswordHash(ctx context.Context, id, hash string) error
	// People returns the people holding a role for unit (not for the units
	// below it), or everyone when unit is "", in id order; an empty slice
	// when there are none.
	People(ctx context.Context, unit string) ([]*Person, error)

	// CreatePairing stores a one-time pairing code for station by its hash
	// (HashPairingCode), redeemable before expires. It returns EINVALID if
	// codeHash or station is "", and ECONFLICT if codeHash is stored
	// already.
	CreatePairing(ctx context.Context, codeHash, station string, expires time.Time) error
	// RedeemPairing uses the pairing codeHash at now to enrol t with the
	// device credential secretHash (HashDeviceSecret), in one transaction:
	// the pairing is marked used and t is stored, with t.Station set to the
	// pairing's station, t.EnrolledAt to now and t.RevokedAt cleared. It
	// returns EINVALID if t has no ID or secretHash is "", ENOTFOUND if no
	// pairing has codeHash, ECONFLICT if it was redeemed already — of
	// concurrent redeems of one code exactly one succeeds — or a terminal
	// with t.ID or secretHash exists, and EDEADLINE if now is not before the
	// pairing's expiry. A refused redeem changes nothing.
	RedeemPairing(ctx context.Context, codeHash string, t *Terminal, secretHash string, now time.Time) error
	// TerminalByCredential returns the terminal whose device credential
	// hashes to secretHash, or ENOTFOUND if there is none or it is revoked.
	TerminalByCredential(ctx context.Context, secretHash string) (*Terminal, error)
	// RevokeTerminal revokes terminal id's credential at the store's clock;
	// revoking a revoked terminal keeps the first time. It returns
	// ENOTFOUND if there is no such terminal.
	RevokeTerminal(ctx context.Context, id string) error
	// Terminals returns the terminals enrolled to station (every terminal
	// when station is ""), revoked ones included, in id order; an empty
	// slice when there are none.
	Terminals(ctx context.Context, station string) ([]*Terminal, error)

	// UpdatePerson replaces the name, phone, roles and Disabled flag of
	// the stored person p.ID by p's; the login, the password hash and
	// CreatedAt are kept, and p is set to what is stored. It returns
	// ENOTFOUND if there is no such person and EINVALID if p does not
	// Validate.
	UpdatePerson(ctx context.Context, p *Person) error

	// CreateStation stores s. It returns EINVALID if s does not Validate or
	// names a unit that does not exist, and ECONFLICT if a station with
	// s.ID exists.
	CreateStation(ctx context.Context, s *Station) error
	// UpdateStation replaces the name and hours of the stored station
	// s.ID by s's (its unit stays), and sets s to what is stored. It
	// returns ENOTFOUND if there is no such station and EINVALID if s
	// does not Validate.
	UpdateStation(ctx context.Context, s *Station) error
	// Stations returns every station in id order; an empty slice when
	// there are none.
	Stations(ctx context.Context) ([]*Station, error)

	// CreateReception adds r to the reception schedule, with CreatedAt set
	// to the store's clock if it is zero. It returns EINVALID if r does not
	// Validate or names a station that does not exist, and ECONFLICT if an
	// entry with r.ID, or for the same day, station and leader, exists.
	CreateReception(ctx context.Context, r *Reception) error
	// DeleteReception removes schedule entry id (a schedule is a plan, not
	// history: the service records the change as an event). It returns
	// ENOTFOUND if there is no such entry.
	DeleteReception(ctx context.Context, id string) error
	// Receptions returns the schedule entries f selects, ordered by day,
	// station, leader and id; an empty slice when none match.
	Receptions(ctx context.Context, f ReceptionFilter) ([]*Reception, error)

	// EnqueueReminders adds each reminder of rs to the outbox (outbox.go),
	// with a pending delivery on each of channels, due at the reminder's
	// At, and an unread entry in each recipient's inbox, in one
	// transaction. A reminder whose ID is stored already is skipped, with
	// everything it would add, and is no error: that makes a reminder
	// once-only across restarts, and of concurrent enqueues of one id
	// exactly one adds it. It returns how many reminders it added. It
	// returns EINVALID (adding nothing) if a reminder does not Validate or
	// a channel is "", and ENOTFOUND if a reminder's case does not exist.
	EnqueueReminders(ctx context.Context, rs []Reminder, channels []string) (added int, err error)
	// PendingDeliveries returns at most limit (see OutboxLimit) deliveries
	// on channel that are not delivered and whose NextAt is not after now,
	// by NextAt and then reminder id; an empty slice when there are none.
	PendingDeliveries(ctx context.Context, channel string, now time.Time, limit int) ([]*Delivery, error)
	// MarkDelivered records the delivery of reminder id on channel at at
	// and, if ev is not nil, appends ev (normally KindReminderSent) to the
	// reminder's case in the same transaction; ev.CaseID is set and ev is
	// sealed on success. A delivery marked already keeps its first time
	// and ev is not appended (ev.Seq stays 0): the history records each
	// delivery once. It returns ENOTFOUND if there is no such delivery and
	// EINVALID if ev cannot be sealed.
	MarkDelivered(ctx context.Context, id, channel string, at time.Time, ev *Event) error
	// MarkFailed records a failed attempt to deliver reminder id on
	// channel: Attempts becomes attempts, NextAt next and LastError
	// lastErr. A delivered delivery is left as it is. It returns ENOTFOUND
	// if there is no such delivery.
	MarkFailed(ctx context.Context, id, channel string, attempts int, next time.Time, lastErr string) error
	// Inbox returns at most limit (see OutboxLimit) reminders of person
	// personID, newest (by At, then id) first, starting after the reminder
	// after ("" for the newest); an empty slice when there are none, or
	// when after is not in the person's inbox. Pass the last id returned
	// as the next after to read the following page.
	Inbox(ctx context.Context, personID, after string, limit int) ([]*InboxItem, error)
	// MarkRead marks reminder id read in person personID's inbox at the
	// store's clock; marking it again keeps the first time. It returns
	// ENOTFOUND if the reminder is not in that inbox.
	MarkRead(ctx context.Context, personID, id string) error
}

// PetitionFilter selects cases for ListPetitions. Zero fields match any case.
//
// The worklist fields are matched against the columns the store keeps
// beside each case (Listing, written with ListingOf in the transaction that
// writes the case). Units, Scope and Category are exact: a unit is not
// expanded to its subtree here (the caller does, with UnitTree.Subtree).
type PetitionFilter struct {
	LeadUnit string // the case's LeadUnit
	State    State
	Kind     Kind

	Units      []string  // the case names one of these units (Listing.Units or its origin units)
	Category   string    // the case's Category code
	Risk       RiskLevel // the case's RiskLevel
	Active     *bool     // IsActive is *Active
	Supervised bool      // only cases under an open supervision
	Repeat     bool      // only cases with a LinkRepeat link
	DueFrom    time.Time // a deadline runs, ending at or after DueFrom
	DueBefore  time.Time // a deadline runs, ending before DueBefore (RunningDue)
	// ReceivedFrom and ReceivedTo bound ReceivedAt: From ≤ received < To.
	ReceivedFrom, ReceivedTo time.Time
	// Scope, when not nil, keeps the cases in the access scope, as
	// Scope.Matches would (a Scope with no field set matches nothing).
	Scope *Scope

	// Sort is one of Sorts: SortID ("" too), SortDue, SortReceived,
	// SortRisk, SortSupervised; an unknown sort is EINVALID.
	Sort string
	// After is the keyset cursor: "" for the first page, then CursorOf the
	// last case of the previous page for the same Sort. For SortID a plain
	// case id is a cursor (only ids greater than it). A cursor that does
	// not parse for Sort is EINVALID (ParseCursor).
	After string
	Limit int // at most this many; DefaultListLimit when 0, MaxListLimit at most
}

// Limits of ListPetitions.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// ListLimit returns the number of cases ListPetitions returns for f.Limit.
func (f PetitionFilter) ListLimit() int {
	switch {
	case f.Limit <= 0:
		return DefaultListLimit
	case f.Limit > MaxListLimit:
		return MaxListLimit
	}
	return f.Limit
}

// VerifyStore runs Verify over the whole history of s, read with
// ScanEventBatches if s is an EventBatchScanner, else with ScanEvents. An
// error reading the store ends it and is returned with the report so far.
func VerifyStore(ctx context.Context, s Store, objects ObjectChecker) (Report, error) {
	if bs, ok := s.(EventBatchScanner); ok {
		return verifyScan(func(emit func([]Event) error) error {
			return bs.ScanEventBatches(ctx, 1, emit)
		}, objects)
	}
	return verifyScan(func(emit func([]Event) error) error {
		var c eventCopier
		err := s.ScanEvents(ctx, 1, func(e *Event) error { return c.add(e, emit) })
		if ferr := c.flush(emit); err == nil {
			err = ferr
		}
		return err
	}, objects)
}
