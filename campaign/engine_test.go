package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/obelisk-pbx/obelisk/outbound"
)

// fakeCall is what the fake originator does with one attempt: answer
// and hold for hold, leaving vars, or fail with outcome and code.
type fakeCall struct {
	outcome outbound.Outcome
	code    int
	hold    time.Duration
	vars    map[string]string
	// block keeps an answered call up until the test ends.
	block bool
}

// dialled is one call the fake placed.
type dialled struct {
	at   time.Time
	call Call
}

// fakeOriginator answers by number and attempt; it records every call
// and the most calls up at once.
type fakeOriginator struct {
	mu      sync.Mutex
	plan    func(number string, attempt int) fakeCall
	calls   []dialled
	up, max int
}

func (f *fakeOriginator) Originate(ctx context.Context, c Call) (Dialled, error) {
	f.mu.Lock()
	f.calls = append(f.calls, dialled{time.Now(), c})
	fc := fakeCall{outcome: outbound.OutcomeAnswered, hold: 3 * time.Second, vars: map[string]string{"CAMPAIGN_RESULT": "promised"}}
	if f.plan != nil {
		fc = f.plan(c.Customer.Number, c.Attempt)
	}
	f.up++
	f.max = max(f.max, f.up)
	f.mu.Unlock()
	down := func() {
		f.mu.Lock()
		f.up--
		f.mu.Unlock()
	}
	if fc.outcome != outbound.OutcomeAnswered {
		time.Sleep(time.Second) // ringing
		down()
		return Dialled{Outcome: fc.outcome, SIPCode: fc.code}, nil
	}
	done := make(chan Ended, 1)
	go func() {
		if fc.block {
			<-ctx.Done()
			down()
			return
		}
		time.Sleep(fc.hold)
		down()
		done <- Ended{At: time.Now(), Vars: fc.vars}
	}()
	return Dialled{Outcome: outbound.OutcomeAnswered, Channel: "SIP/pstn-1", Done: done}, nil
}

func (f *fakeOriginator) dialled() []dialled {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]dialled(nil), f.calls...)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startEngine runs an engine over store in the bubble; stop ends it.
func startEngine(t *testing.T, store Store, orig Originator, opts ...Option) (e *Engine, stop func()) {
	t.Helper()
	e, err := NewEngine(store, orig, append([]Option{WithLogger(quiet()), WithLocation(time.UTC)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = e.Run(ctx)
		close(done)
	}()
	return e, func() { cancel(); <-done }
}

func customers(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{Line: i + 2, Customer: Customer{ID: fmt.Sprintf("c%03d", i), Number: fmt.Sprintf("+3361000%04d", i), Amount: "120"}}
	}
	return rows
}

func mustCreate(t *testing.T, e *Engine, c *Campaign, rows []Row) {
	t.Helper()
	if err := e.Create(c); err != nil {
		t.Fatal(err)
	}
	if n, errs := e.Import(c.Name, "test.csv", rows); len(errs) > 0 || n != len(rows) {
		t.Fatalf("import: %d added, errors %v", n, errs)
	}
}

// waitState waits (in the bubble) until the campaign is in state st.
func waitState(t *testing.T, e *Engine, name string, st State, limit time.Duration) Summary {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		s, err := e.Campaign(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.State == st {
			return s
		}
		time.Sleep(max(100*time.Millisecond, limit/2000))
	}
	s, _ := e.Campaign(name)
	t.Fatalf("campaign %s is %s after %v, want %s (%v)", name, s.State, limit, st, s.ByStatus)
	return s
}

// The default limit is never exceeded: calls start at least 1 s apart
// and at most 3 are up at once (3 are, with calls held 3 s).
func TestEngineRateAndConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		orig := &fakeOriginator{}
		e, stop := startEngine(t, &MemStore{}, orig)
		defer stop()
		c := New("spring", "pstn")
		c.State = StateRunning
		mustCreate(t, e, c, customers(20))
		s := waitState(t, e, "spring", StateFinished, 10*time.Minute)
		if s.ByStatus[StatusPromised] != 20 {
			t.Errorf("by status %v, want 20 promised", s.ByStatus)
		}
		calls := orig.dialled()
		if len(calls) != 20 {
			t.Fatalf("%d calls, want 20", len(calls))
		}
		for i := 1; i < len(calls); i++ {
			if gap := calls[i].at.Sub(calls[i-1].at); gap < time.Second {
				t.Errorf("call %d started %v after call %d: faster than 1/s", i, gap, i-1)
			}
		}
		if orig.max != 3 {
			t.Errorf("at most %d calls up, want 3", orig.max)
		}
		c0 := calls[0].call
		want := map[string]string{"CAMPAIGN": "spring", "CUSTOMER_ID": "c000", "AMOUNT_DUE": "120.00", "CURRENCY": "usd", "CHANNEL(language)": "en"}
		got := map[string]string{}
		for _, v := range c0.Vars {
			got[v.Name] = v.Value
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("var %s = %q, want %q", k, got[k], v)
			}
		}
		if c0.Channel != "SIP/pstn/+33610000000" || c0.Context != "collections" || c0.Extension != "s" {
			t.Errorf("call %+v, want SIP/pstn/+33610000000 into collections,s", c0)
		}
	})
}

// Retry rules: busy is retried after its delay until max attempts, 404 is
// never retried (invalid number), no answer and machine are retried.
func TestEngineRetryRules(t *testing.T) {
	tests := []struct {
		name      string
		call      fakeCall
		answerOn  int // the attempt that answers (0: none)
		want      Status
		attempts  int
		wantDelay time.Duration
	}{
		{"busy", fakeCall{outcome: outbound.OutcomeBusy, code: 486}, 0, StatusBusy, 3, 10 * time.Minute},
		{"busy then answered", fakeCall{outcome: outbound.OutcomeBusy, code: 486}, 2, StatusPromised, 2, 10 * time.Minute},
		{"404 never retried", fakeCall{outcome: outbound.OutcomeFailed, code: 404}, 0, StatusInvalidNumber, 1, 0},
		{"484 never retried", fakeCall{outcome: outbound.OutcomeFailed, code: 484}, 0, StatusInvalidNumber, 1, 0},
		{"no answer", fakeCall{outcome: outbound.OutcomeNoAnswer}, 0, StatusNoAnswer, 3, time.Hour},
		{"congestion", fakeCall{outcome: outbound.OutcomeCongestion, code: 503}, 0, StatusCongestion, 3, 5 * time.Minute},
		{"machine", fakeCall{outcome: outbound.OutcomeAnswered, hold: time.Second, vars: map[string]string{"AMDSTATUS": "MACHINE"}}, 0, StatusMachine, 3, 2 * time.Hour},
		{"declined is final", fakeCall{outcome: outbound.OutcomeAnswered, hold: time.Second, vars: map[string]string{"CAMPAIGN_RESULT": "Declined"}}, 0, StatusDeclined, 1, 0},
		{"answered without result", fakeCall{outcome: outbound.OutcomeAnswered, hold: time.Second}, 0, StatusAnswered, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				orig := &fakeOriginator{plan: func(_ string, attempt int) fakeCall {
					if attempt == tc.answerOn {
						return fakeCall{outcome: outbound.OutcomeAnswered, hold: time.Second, vars: map[string]string{"CAMPAIGN_RESULT": "promised", "PAYMENT_ID": "pi_1"}}
					}
					return tc.call
				}}
				e, stop := startEngine(t, &MemStore{}, orig)
				defer stop()
				c := New("r", "pstn")
				c.State = StateRunning
				mustCreate(t, e, c, customers(1))
				waitState(t, e, "r", StateFinished, 24*time.Hour)
				cs, _ := e.Customers("r")
				cu := cs[0]
				if cu.Status != tc.want || len(cu.Attempts) != tc.attempts || !cu.Done {
					t.Fatalf("status %s after %d attempts (done %v), want %s after %d", cu.Status, len(cu.Attempts), cu.Done, tc.want, tc.attempts)
				}
				calls := orig.dialled()
				for i := 1; i < len(calls); i++ {
					prevEnd := cu.Attempts[i-1].Ended
					if got := calls[i].at.Sub(prevEnd); got != tc.wantDelay {
						t.Errorf("attempt %d placed %v after attempt %d ended, want %v", i+1, got, i, tc.wantDelay)
					}
				}
				if tc.call.code != 0 && cu.Attempts[0].SIPCode != tc.call.code {
					t.Errorf("attempt 1 SIP code %d, want %d", cu.Attempts[0].SIPCode, tc.call.code)
				}
				if tc.answerOn != 0 && cu.PaymentID != "pi_1" {
					t.Errorf("payment id %q, want pi_1", cu.PaymentID)
				}
			})
		})
	}
}

// A customer outside their window (in their own timezone) is not called
// until it opens. The bubble's clock starts on Saturday 2000-01-01 00:00
// UTC: Friday 19:00 in New York, Saturday 09:00 in Tokyo.
func TestEngineCallWindows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		orig := &fakeOriginator{}
		e, stop := startEngine(t, &MemStore{}, orig)
		defer stop()
		w, err := ParseWindow("mon-fri 09:00-17:00")
		if err != nil {
			t.Fatal(err)
		}
		c := New("w", "pstn")
		c.Windows, c.State = []Window{w}, StateRunning
		c.Timezone = "Europe/Paris" // for customers without one: Saturday 01:00
		rows := []Row{
			{2, Customer{ID: "ny", Number: "12125550100", Amount: "1", Timezone: "America/New_York"}},
			{3, Customer{ID: "tokyo", Number: "81312345678", Amount: "1", Timezone: "Asia/Tokyo"}},
			{4, Customer{ID: "paris", Number: "33140000000", Amount: "1"}},
		}
		mustCreate(t, e, c, rows)
		waitState(t, e, "w", StateFinished, 5*24*time.Hour)
		want := map[string]time.Time{
			"tokyo": time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC),  // Monday 09:00 JST
			"paris": time.Date(2000, 1, 3, 8, 0, 0, 0, time.UTC),  // Monday 09:00 CET
			"ny":    time.Date(2000, 1, 3, 14, 0, 0, 0, time.UTC), // Monday 09:00 EST
		}
		calls := orig.dialled()
		if len(calls) != 3 {
			t.Fatalf("%d calls, want 3", len(calls))
		}
		for _, d := range calls {
			if w := want[d.call.Customer.ID]; !d.at.Equal(w) {
				t.Errorf("%s called at %v, want %v", d.call.Customer.ID, d.at.UTC(), w)
			}
		}
	})
}

// After a crash, an attempt stored as started is interrupted and never
// placed again; pending customers are called and a retry keeps its time.
func TestEngineRestartAfterCrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &MemStore{}
		orig := &fakeOriginator{plan: func(number string, attempt int) fakeCall {
			return fakeCall{outcome: outbound.OutcomeAnswered, block: true}
		}}
		e, stop := startEngine(t, store, orig)
		c := New("k", "pstn")
		c.Limit = outbound.Limit{Rate: 1, Burst: 1, Concurrent: 2}
		c.State = StateRunning
		mustCreate(t, e, c, customers(4))
		time.Sleep(1500 * time.Millisecond) // two calls placed and up
		synctest.Wait()
		// A crash: the store is what it is now; the engine is never
		// stopped cleanly (its goroutines end with the bubble's ctx).
		crashed := &MemStore{}
		camps, custs, _ := store.Load()
		for _, cp := range camps {
			_ = crashed.PutCampaign(cp)
			_ = crashed.PutCustomers(cp.Name, custs[cp.Name]...)
		}
		stop()

		orig2 := &fakeOriginator{}
		e2, stop2 := startEngine(t, crashed, orig2)
		defer stop2()
		waitState(t, e2, "k", StateFinished, time.Hour)
		got, _ := e2.Customers("k")
		byID := map[string]*Customer{}
		for _, cu := range got {
			byID[cu.ID] = cu
		}
		for _, id := range []string{"c000", "c001"} {
			if cu := byID[id]; cu.Status != StatusInterrupted || len(cu.Attempts) != 1 || cu.Attempts[0].Outcome != StatusInterrupted {
				t.Errorf("%s: status %s, %d attempts, want interrupted after 1", id, cu.Status, len(cu.Attempts))
			}
		}
		for _, id := range []string{"c002", "c003"} {
			if cu := byID[id]; cu.Status != StatusPromised || len(cu.Attempts) != 1 {
				t.Errorf("%s: status %s, %d attempts, want promised after 1", id, cu.Status, len(cu.Attempts))
			}
		}
		var lastStart time.Time
		for _, cu := range custs["k"] {
			for _, a := range cu.Attempts {
				if a.Started.After(lastStart) {
					lastStart = a.Started
				}
			}
		}
		for i, d := range orig2.dialled() {
			if id := d.call.Customer.ID; id == "c000" || id == "c001" {
				t.Errorf("%s dialled again after the restart", id)
			}
			if i == 0 && d.at.Sub(lastStart) < time.Second {
				t.Errorf("the first call after the restart came %v after the last one before it: faster than 1/s", d.at.Sub(lastStart))
			}
		}
		_ = e
	})
}

// Pause holds new calls, Start resumes them; Stop ends the campaign
// and the customers not done are "stopped".
func TestEnginePauseStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		orig := &fakeOriginator{}
		e, stop := startEngine(t, &MemStore{}, orig)
		defer stop()
		c := New("p", "pstn")
		mustCreate(t, e, c, customers(10))
		time.Sleep(10 * time.Second)
		if n := len(orig.dialled()); n != 0 {
			t.Fatalf("an idle campaign placed %d calls", n)
		}
		if err := e.Start("p"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond)
		if err := e.Pause("p"); err != nil {
			t.Fatal(err)
		}
		n := len(orig.dialled())
		time.Sleep(time.Minute)
		if got := len(orig.dialled()); got != n || n == 0 {
			t.Fatalf("%d calls before the pause, %d a minute after", n, got)
		}
		if err := e.Stop("p"); err != nil {
			t.Fatal(err)
		}
		if err := e.Start("p"); !errors.Is(err, ErrBadState) {
			t.Errorf("start of a stopped campaign: %v, want ErrBadState", err)
		}
		s, _ := e.Campaign("p")
		if s.ByStatus[StatusStopped] != 10-n || s.ByStatus[StatusPromised] != n {
			t.Errorf("by status %v, want %d stopped and %d promised", s.ByStatus, 10-n, n)
		}
	})
}

func TestEngineImportDuplicates(t *testing.T) {
	e, err := NewEngine(&MemStore{}, &fakeOriginator{}, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Create(New("d", "pstn")); err != nil {
		t.Fatal(err)
	}
	rows := []Row{
		{2, Customer{ID: "a", Number: "+33 6 12 34 56 78", Amount: "10"}},
		{3, Customer{ID: "b", Number: "0033612345678", Amount: "10"}},
		{4, Customer{ID: "a", Number: "555 0100", Amount: "10"}},
		{5, Customer{ID: "c", Number: "call me", Amount: "10"}},
		{6, Customer{ID: "d", Number: "5550101", Amount: "ten"}},
		{7, Customer{ID: "e", Number: "5550102", Amount: "1,5", Timezone: "Mars/Olympus"}},
		{8, Customer{ID: "f", Number: "5550103", Amount: "7.5", Language: "FR", Currency: "EUR"}},
	}
	n, errs := e.Import("d", "list.csv", rows)
	if n != 2 {
		t.Errorf("%d added, want 2", n)
	}
	want := []string{
		"list.csv:3: number +33612345678 repeats line 2: duplicate customer",
		"list.csv:4: customer id a repeats line 2: duplicate customer",
		`list.csv:5: number "call me": invalid phone number`,
		`list.csv:6: amount "ten": invalid customer`,
		`list.csv:7: timezone "Mars/Olympus": invalid customer`,
	}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %v", errs, want)
	}
	for i := range want {
		if errs[i].Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, errs[i], want[i])
		}
	}
	if _, errs := e.Import("d", "again.csv", rows[:1]); len(errs) != 1 || !errors.Is(errs[0], ErrDuplicate) {
		t.Errorf("second import of a number: %v, want ErrDuplicate", errs)
	}
	cs, _ := e.Customers("d")
	if cs[1].Amount != "7.50" || cs[1].Language != "fr" || cs[1].Currency != "eur" {
		t.Errorf("customer f = %+v", cs[1])
	}
}
