package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"hearingroom/petitions"
)

func testHistoryVerify(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	const cases, workers, perWorker = 3, 4, 15
	for i := range cases {
		create(t, s, newPetition(i+1, "fuyu-town"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				ev := newEvent("read", w*100+i, fmt.Sprintf(`{"worker":%d,"i":%d,"note":"阅卷"}`, w, i))
				if i%5 == 4 {
					ev.Kind = "session.joined" // a ledger-level event: a session without a case
				} else {
					ev.CaseID = newPetition((w+i)%cases+1, "").ID
				}
				if err := s.AppendEvent(ctx, ev); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("AppendEvent: %v", err)
	}
	total := cases + workers*perWorker
	r := verifyOK(t, s)
	if r.Events != int64(total) || r.LastSeq != int64(total) || r.Cases != cases {
		t.Errorf("Verify read %d events of %d cases up to seq %d; want %d, %d, %d", r.Events, r.Cases, r.LastSeq, total, cases, total)
	}
	perCase := 0
	for i := range cases {
		evs, err := s.Events(ctx, newPetition(i+1, "").ID)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		for j, e := range evs {
			if e.CaseSeq != int64(j+1) {
				t.Fatalf("case %d: event %d has case seq %d", i+1, j, e.CaseSeq)
			}
		}
		perCase += len(evs)
	}
	if ledger := workers * perWorker / 5; perCase != total-ledger {
		t.Errorf("cases hold %d events, want %d", perCase, total-ledger)
	}

	var from []int64
	if err := s.ScanEvents(ctx, int64(total-2), func(e *petitions.Event) error { from = append(from, e.Seq); return nil }); err != nil {
		t.Fatalf("ScanEvents: %v", err)
	}
	if want := fmt.Sprint([]int64{int64(total - 2), int64(total - 1), int64(total)}); fmt.Sprint(from) != want {
		t.Errorf("ScanEvents from %d = %v, want %s", total-2, from, want)
	}
	stop := errors.New("enough")
	n := 0
	err := s.ScanEvents(ctx, 1, func(*petitions.Event) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("ScanEvents with fn failing at the 3rd event: %v after %d events; want fn's error after 3", err, n)
	}
}

func testHistoryErrors(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	ev := newEvent("read", 1, `{}`)
	ev.CaseID = "00000000-0000-4000-8000-999999999999"
	wantCode(t, "AppendEvent(missing case)", s.AppendEvent(ctx, ev), petitions.ENOTFOUND)
	_, err := s.Events(ctx, ev.CaseID)
	wantCode(t, "Events(missing case)", err, petitions.ENOTFOUND)
	bad := newEvent("read", 1, `{"a":1,"a":2}`)
	bad.CaseID = p.ID
	err = s.AppendEvent(ctx, bad)
	wantCode(t, "AppendEvent(data with a repeated key)", err, petitions.EINVALID)
	if !errors.Is(err, petitions.ErrChain) {
		t.Errorf("AppendEvent(data with a repeated key): %v does not wrap ErrChain", err)
	}
	sealed := newEvent("read", 2, `{}`)
	sealed.CaseID = p.ID
	if err := s.AppendEvent(ctx, sealed); err != nil {
		t.Fatalf("AppendEvent: %v", err)
	}
	wantCode(t, "AppendEvent(already sealed)", s.AppendEvent(ctx, sealed), petitions.EINVALID)
	if n := countEvents(t, s); n != 2 {
		t.Errorf("history holds %d events, want 2", n)
	}
	verifyOK(t, s)
}

func testTamper(t *testing.T, s petitions.Store) {
	tm, ok := s.(Tamperer)
	if !ok {
		t.Skip("the store is not a Tamperer")
	}
	ctx := context.Background()
	for i := range 3 {
		p := newPetition(i+1, "fuyu-town")
		create(t, s, p)
		ev := newEvent("read", i+1, `{"what":"case file"}`)
		ev.CaseID = p.ID
		if err := s.AppendEvent(ctx, ev); err != nil {
			t.Fatalf("AppendEvent: %v", err)
		}
	}
	if err := tm.TamperEvent(ctx, 3, "actor", "李四"); err == nil {
		t.Fatalf("an UPDATE of history event 3 was allowed")
	}
	if err := tm.DeleteEvent(ctx, 3); err == nil {
		t.Fatalf("a DELETE of history event 3 was allowed")
	}
	verifyOK(t, s)

	if err := tm.ForceTamperEvent(ctx, 3, "actor", "李四"); err != nil {
		t.Fatalf("ForceTamperEvent: %v", err)
	}
	if err := tm.TamperEvent(ctx, 4, "actor", "李四"); err == nil {
		t.Fatalf("the guard was not restored after ForceTamperEvent")
	}
	r, err := petitions.VerifyStore(ctx, s, nil)
	if err != nil {
		t.Fatalf("VerifyStore: %v", err)
	}
	if r.OK() || r.FirstBad.Seq != 3 || r.FirstBad.Reason != petitions.ReasonHash {
		t.Fatalf("after changing event 3's actor, Verify reports first bad %v, want event 3 with %q", r.FirstBad, petitions.ReasonHash)
	}
	if err := tm.ForceTamperEvent(ctx, 5, "data", `{"what":"case  file"}`); err != nil {
		t.Fatalf("ForceTamperEvent: %v", err)
	}
	r, err = petitions.VerifyStore(ctx, s, nil)
	if err != nil {
		t.Fatalf("VerifyStore: %v", err)
	}
	if r.FirstBad == nil || r.FirstBad.Seq != 3 || r.Bad != 2 {
		t.Errorf("after changing events 3 and 5, Verify reports first bad %v and %d bad, want event 3 and 2", r.FirstBad, r.Bad)
	}
}
