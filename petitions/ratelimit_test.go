package petitions

import (
	"fmt"
	"testing"
	"time"
)

var rl0 = time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)

func TestRateLimitLogin(t *testing.T) {
	l := NewSignInLimiter()
	for i := range LoginFailureLimit {
		if ok, _ := l.Allow("wangming", "10.0.0.1", rl0); !ok {
			t.Fatalf("refused before failure %d", i+1)
		}
		l.Failed("wangming", "10.0.0.1", rl0)
	}
	ok, wait := l.Allow("WangMing ", "10.0.0.2", rl0)
	if ok || wait != SignInWindow/LoginFailureLimit {
		t.Fatalf("after %d failures: Allow = %v, %v; want refused for %v", LoginFailureLimit, ok, wait, SignInWindow/LoginFailureLimit)
	}
	if ok, _ := l.Allow("lixiulan", "10.0.0.1", rl0); !ok {
		t.Errorf("another login from the same IP is refused after %d failures", LoginFailureLimit)
	}
	// The lock-out decays: one failure's worth drains in 3 minutes.
	if ok, wait := l.Allow("wangming", "10.0.0.1", rl0.Add(2*time.Minute)); ok || wait != time.Minute {
		t.Errorf("2 minutes later: Allow = %v, %v; want refused for 1m", ok, wait)
	}
	if ok, _ := l.Allow("wangming", "10.0.0.1", rl0.Add(3*time.Minute)); !ok {
		t.Errorf("3 minutes later: still refused")
	}
	// A failure then locks again at once, for longer if failures keep coming.
	l.Failed("wangming", "10.0.0.1", rl0.Add(3*time.Minute))
	if ok, wait := l.Allow("wangming", "10.0.0.1", rl0.Add(3*time.Minute)); ok || wait != 3*time.Minute {
		t.Errorf("after a failure at the edge: Allow = %v, %v; want refused for 3m", ok, wait)
	}
	// A full window later everything is forgotten.
	if ok, wait := l.Allow("wangming", "10.0.0.1", rl0.Add(3*time.Minute+SignInWindow)); !ok || wait != 0 {
		t.Errorf("a window later: Allow = %v, %v", ok, wait)
	}
}

func TestRateLimitSucceeded(t *testing.T) {
	l := NewSignInLimiter()
	for range LoginFailureLimit - 1 {
		l.Failed("wangming", "10.0.0.1", rl0)
	}
	l.Succeeded("wangming", "10.0.0.1", rl0)
	for range LoginFailureLimit - 1 {
		l.Failed("wangming", "10.0.0.1", rl0)
	}
	if ok, _ := l.Allow("wangming", "10.0.0.1", rl0); !ok {
		t.Errorf("a success did not reset the login's failures")
	}
	if logins, ips := l.Len(); logins != 1 || ips != 1 {
		t.Errorf("Len = %d, %d; want 1, 1", logins, ips)
	}
}

func TestRateLimitIP(t *testing.T) {
	l := NewSignInLimiter()
	// Guessing many logins from one address: one failure each.
	for i := range IPFailureLimit {
		login := fmt.Sprintf("user%d", i)
		if ok, _ := l.Allow(login, "10.0.0.9", rl0); !ok {
			t.Fatalf("refused before failure %d", i+1)
		}
		l.Failed(login, "10.0.0.9", rl0)
	}
	ok, wait := l.Allow("someone", "10.0.0.9", rl0)
	if want := SignInWindow / IPFailureLimit; ok || wait != want {
		t.Errorf("after %d failures from one IP: Allow = %v, %v; want refused for %v", IPFailureLimit, ok, wait, want)
	}
	if ok, _ := l.Allow("someone", "10.0.0.10", rl0); !ok {
		t.Errorf("another IP is refused")
	}
	if ok, _ := l.Allow("someone", "10.0.0.9", rl0.Add(SignInWindow/IPFailureLimit)); !ok {
		t.Errorf("the IP lock-out did not decay")
	}
}

func TestRateLimitBounded(t *testing.T) {
	l := NewSignInLimiter()
	l.maxKeys = 100
	// 50 old failures that have drained, then 200 fresh ones.
	for i := range 50 {
		l.Failed(fmt.Sprintf("old%d", i), fmt.Sprintf("10.1.0.%d", i), rl0)
	}
	later := rl0.Add(time.Hour)
	for i := range 200 {
		l.Failed(fmt.Sprintf("new%d", i), fmt.Sprintf("10.2.%d.%d", i/256, i%256), later.Add(time.Duration(i)*time.Second))
		if logins, ips := l.Len(); logins > 100 || ips > 100 {
			t.Fatalf("after %d failures the limiter tracks %d logins, %d IPs; want at most 100", 50+i+1, logins, ips)
		}
	}
	// The newest entries survive eviction.
	for range LoginFailureLimit - 1 {
		l.Failed("new199", "10.3.0.1", later.Add(200*time.Second))
	}
	if ok, _ := l.Allow("new199", "10.3.0.2", later.Add(200*time.Second)); ok {
		t.Errorf("the most recent login's failures were evicted")
	}
}
