package petitions

import (
	"slices"
	"sync"
	"time"
)

// Sign-in limits. Each failure adds one to a counter that drains steadily,
// Limit per Window; while the counter stands above Limit-1, sign-in is
// refused. So a login that failed 5 times in a row is locked out for 3
// minutes (the time one failure takes to drain), and for longer as long as
// the failures keep coming; the lock-out decays on its own.
const (
	LoginFailureLimit = 5  // failures per SignInWindow per login
	IPFailureLimit    = 20 // failures per SignInWindow per client IP
	SignInWindow      = 15 * time.Minute
	// MaxLimiterKeys bounds the logins and the IPs a SignInLimiter tracks
	// (each); past it, drained entries are dropped, then the stalest.
	MaxLimiterKeys = 10000
)

// SignInLimiter throttles password sign-in by login and by client IP, in
// memory. The zero value is not usable: call NewSignInLimiter. It is safe for
// concurrent use. Times are passed in, so that tests need no clock.
type SignInLimiter struct {
	mu      sync.Mutex
	logins  *buckets
	ips     *buckets
	maxKeys int
}

// NewSignInLimiter returns a limiter with the limits above.
func NewSignInLimiter() *SignInLimiter {
	return &SignInLimiter{
		logins:  newBuckets(LoginFailureLimit, SignInWindow),
		ips:     newBuckets(IPFailureLimit, SignInWindow),
		maxKeys: MaxLimiterKeys,
	}
}

// Allow reports whether a sign-in for login from ip may be tried at now, and
// if not, how long to wait before the next try. Call it before checking the
// password, then Failed or Succeeded.
func (l *SignInLimiter) Allow(login, ip string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := max(l.logins.wait(NormalizeLogin(login), now), l.ips.wait(ip, now))
	return wait == 0, wait
}

// Failed records a failed sign-in for login from ip at now.
func (l *SignInLimiter) Failed(login, ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logins.add(NormalizeLogin(login), now, l.maxKeys)
	l.ips.add(ip, now, l.maxKeys)
}

// Succeeded records a successful sign-in: the login's failures are
// forgotten. The IP's are kept, so that one good account does not open the
// way to guessing others from the same address.
func (l *SignInLimiter) Succeeded(login, ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.logins.m, NormalizeLogin(login))
}

// Len returns the number of logins and of IPs tracked, for tests and metrics.
func (l *SignInLimiter) Len() (logins, ips int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.logins.m), len(l.ips.m)
}

// buckets are leaky buckets by key, in time: each failure adds cost
// (window/limit) to a key's level, which drains by the time that passes. A
// key is refused while its level is above (limit-1)·cost, that is while one
// more failure would leave it over the limit.
type buckets struct {
	cost  time.Duration
	limit int
	m     map[string]*bucket
}

type bucket struct {
	level time.Duration
	at    time.Time // when level was last computed
}

func newBuckets(limit int, window time.Duration) *buckets {
	return &buckets{cost: window / time.Duration(limit), limit: limit, m: map[string]*bucket{}}
}

// drain returns b's level at now.
func (bs *buckets) drain(b *bucket, now time.Time) time.Duration {
	elapsed := now.Sub(b.at)
	if elapsed <= 0 {
		return b.level
	}
	return max(0, b.level-elapsed)
}

// wait returns how long key must wait before it may try again.
func (bs *buckets) wait(key string, now time.Time) time.Duration {
	b, ok := bs.m[key]
	if !ok {
		return 0
	}
	return max(0, bs.drain(b, now)-time.Duration(bs.limit-1)*bs.cost)
}

// add records one failure of key at now, evicting entries first if the map
// is full.
func (bs *buckets) add(key string, now time.Time, maxKeys int) {
	b, ok := bs.m[key]
	if !ok {
		if len(bs.m) >= maxKeys {
			bs.evict(now, maxKeys)
		}
		b = &bucket{at: now}
		bs.m[key] = b
	}
	b.level = bs.drain(b, now) + bs.cost
	if now.After(b.at) {
		b.at = now
	}
}

// evict drops every drained entry, then, while more than three quarters of
// the room is taken, the entries that failed least recently.
func (bs *buckets) evict(now time.Time, maxKeys int) {
	for k, b := range bs.m {
		if bs.drain(b, now) == 0 {
			delete(bs.m, k)
		}
	}
	if len(bs.m) <= maxKeys*3/4 {
		return
	}
	keys := make([]string, 0, len(bs.m))
	for k := range bs.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return bs.m[a].at.Compare(bs.m[b].at) })
	for _, k := range keys[:len(keys)-maxKeys*3/4] {
		delete(bs.m, k)
	}
}
