package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	_ "time/tzdata" // customers' IANA timezones even without a system zoneinfo

	"github.com/obelisk-pbx/obelisk/outbound"
)

// Originator places one campaign call: the switch's OriginateWith (pbx),
// a fake in tests.
type Originator interface {
	// Originate dials c.Channel for c.WaitTime with c.Vars set on the
	// channel and, once answered, runs the dialplan at c.Context,
	// c.Extension, c.Priority. It returns when the call is answered (then
	// Dialled.Done reports its end) or has failed.
	Originate(ctx context.Context, c Call) (Dialled, error)
}

// Call is one attempt to reach a customer, as the Originator places it.
type Call struct {
	// Campaign is the campaign's name.
	Campaign string
	// Channel is "SIP/<trunk>/<number>".
	Channel string
	// Context, Extension and Priority are where the answered call goes.
	Context   string
	Extension string
	Priority  int
	// CallerID is the caller ID sent.
	CallerID string
	// WaitTime is how long it may ring.
	WaitTime time.Duration
	// Vars are set on the channel before it is dialled: CAMPAIGN,
	// CUSTOMER_ID, CUSTOMER_NAME, AMOUNT_DUE, CURRENCY, CAMPAIGN_ATTEMPT
	// and CHANNEL(language).
	Vars []outbound.Var
	// Customer is the customer called, Attempt the attempt's number.
	Customer Customer
	Attempt  int
}

// Dialled is how an Originate went.
type Dialled struct {
	// Outcome is the attempt's DIALSTATUS (ANSWER, BUSY, NOANSWER …).
	Outcome outbound.Outcome
	// SIPCode and SIPReason are the final response of a failed INVITE.
	SIPCode   int
	SIPReason string
	// Channel and Uniqueid name the channel made.
	Channel, Uniqueid string
	// Done, for an answered call, receives its end once.
	Done <-chan Ended
}

// Ended is the end of an answered call: when, and the channel's variables
// then (CAMPAIGN_RESULT, PAYMENT_ID, AMDSTATUS …).
type Ended struct {
	At   time.Time
	Vars map[string]string
}

// Event is a campaign call's progress: sent when an attempt starts
// (Status calling) and when it ends. The switch publishes it as a
// "CampaignCall" UserEvent.
type Event struct {
	Campaign   string
	CustomerID string
	Number     string
	Attempt    int
	Status     Status
	DialStatus string
	SIPCode    int
	Channel    string
	// Done is set on the customer's last event.
	Done bool
}

// Option configures an Engine.
type Option func(*Engine)

// WithLogger sets the engine's logger.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithLocation sets the timezone of customers and campaigns that give
// none (the switch's; time.Local by default).
func WithLocation(loc *time.Location) Option { return func(e *Engine) { e.loc = loc } }

// WithEvents sets a function called with each Event; it must not block.
func WithEvents(fn func(Event)) Option { return func(e *Engine) { e.events = fn } }

// Engine runs the campaigns: it keeps them and their customers in a Store
// and, while Run runs, dials the customers of running campaigns under
// their windows, limits and retry rules.
type Engine struct {
	store  Store
	orig   Originator
	log    *slog.Logger
	loc    *time.Location
	events func(Event)

	// mu guards the campaigns, their customers and runCtx.
	mu     sync.Mutex
	camps  map[string]*run
	runCtx context.Context // set while Run runs
	zones  map[string]*time.Location
	wg     sync.WaitGroup
}

// run is one campaign in the engine.
type run struct {
	c         *Campaign
	customers []*Customer
	byNumber  map[string]*Customer
	byID      map[string]*Customer
	nextSeq   uint64
	limiter   *outbound.Limiter
	// wake is signalled when the campaign or its customers change.
	wake chan struct{}
	// active counts the calls under way.
	active int
	// looping is set while the campaign's dialling loop runs.
	looping bool
}

// NewEngine loads the campaigns of store. Attempts the store has as
// started and not ended (the switch crashed while they ran) are marked
// interrupted and their customers done, durably, before it returns: they
// are never dialled again.
func NewEngine(store Store, orig Originator, opts ...Option) (*Engine, error) {
	e := &Engine{store: store, orig: orig, log: slog.Default(), loc: time.Local,
		camps: map[string]*run{}, zones: map[string]*time.Location{}}
	for _, o := range opts {
		o(e)
	}
	e.log = e.log.With("component", "campaign")
	camps, custs, err := store.Load()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, c := range camps {
		r := e.newRun(c)
		var interrupted []*Customer
		for _, cu := range custs[c.Name] {
			if cu.Status == StatusCalling {
				cu.Status, cu.Done = StatusInterrupted, true
				if n := len(cu.Attempts); n > 0 && cu.Attempts[n-1].Ended.IsZero() {
					cu.Attempts[n-1].Outcome, cu.Attempts[n-1].Ended = StatusInterrupted, now
				}
				interrupted = append(interrupted, cu)
			}
			r.add(cu)
		}
		if len(interrupted) > 0 {
			if err := store.PutCustomers(c.Name, interrupted...); err != nil {
				return nil, err
			}
			e.log.Warn("attempts interrupted by a restart: not dialled again", "campaign", c.Name, "customers", len(interrupted))
		}
		e.camps[c.Name] = r
	}
	return e, nil
}

func (e *Engine) newRun(c *Campaign) *run {
	return &run{c: c, byNumber: map[string]*Customer{}, byID: map[string]*Customer{},
		limiter: outbound.NewLimiter(c.Limit), wake: make(chan struct{}, 1), nextSeq: 1}
}

// add puts a customer in the run's indexes.
func (r *run) add(cu *Customer) {
	r.customers = append(r.customers, cu)
	r.byNumber[cu.Number], r.byID[cu.ID] = cu, cu
	r.nextSeq = max(r.nextSeq, cu.Seq+1)
	for _, a := range cu.Attempts {
		r.limiter.PacedAt(a.Started) // a restart's first call waits out the rate
	}
}

// poke wakes the run's loop.
func (r *run) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run dials until ctx ends, then waits for the calls under way to end
// (those cut short are stored as interrupted) and returns.
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	e.runCtx = ctx
	for _, r := range e.camps {
		e.startLoopLocked(r)
	}
	e.mu.Unlock()
	<-ctx.Done()
	e.wg.Wait()
	e.mu.Lock()
	e.runCtx = nil
	e.mu.Unlock()
	return nil
}

func (e *Engine) startLoopLocked(r *run) {
	if e.runCtx == nil || r.looping {
		return
	}
	r.looping = true
	e.wg.Add(1)
	go e.loop(e.runCtx, r)
}

// loop places a campaign's calls: the next customer due, once the limiter
// gives a slot.
func (e *Engine) loop(ctx context.Context, r *run) {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		cu, at := e.nextLocked(r, time.Now())
		e.mu.Unlock()
		if cu == nil || time.Until(at) > 0 {
			var timer <-chan time.Time
			var t *time.Timer
			if cu != nil {
				t = time.NewTimer(time.Until(at))
				timer = t.C
			}
			select {
			case <-ctx.Done():
			case <-r.wake:
			case <-timer:
			}
			if t != nil {
				t.Stop()
			}
			if ctx.Err() != nil {
				return
			}
			continue
		}
		release, err := r.limiter.Acquire(ctx)
		if err != nil {
			return
		}
		if !e.dialNext(ctx, r, release) {
			release()
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// dialNext starts the next due customer's attempt with the slot taken,
// and reports whether it did (or found nothing due).
func (e *Engine) dialNext(ctx context.Context, r *run, release func()) bool {
	e.mu.Lock()
	now := time.Now()
	cu, at := e.nextLocked(r, now)
	if cu == nil || at.After(now) {
		e.mu.Unlock()
		release()
		return true // the campaign changed meanwhile: look again
	}
	n := len(cu.Attempts) + 1
	prev := cu.clone()
	cu.Status = StatusCalling
	cu.Attempts = append(cu.Attempts, Attempt{N: n, Started: now})
	// The attempt is on disk before the call is placed: a crash from
	// here on leaves it interrupted, never dialled twice.
	if err := e.store.PutCustomers(r.c.Name, cu); err != nil {
		*cu = *prev
		e.mu.Unlock()
		e.log.Error("attempt not stored: not dialling", "campaign", r.c.Name, "customer", cu.ID, "error", err)
		return false
	}
	r.active++
	call := e.callLocked(r.c, cu, n)
	e.mu.Unlock()
	e.emit(Event{Campaign: r.c.Name, CustomerID: cu.ID, Number: call.Customer.Number, Attempt: n, Status: StatusCalling})
	e.wg.Add(1)
	go e.place(ctx, r, cu, call, release)
	return true
}

// callLocked builds the Originator's request for cu's attempt n.
func (e *Engine) callLocked(c *Campaign, cu *Customer, n int) Call {
	return Call{
		Campaign: c.Name, Channel: "SIP/" + c.Trunk + "/" + cu.Number,
		Context: c.Context, Extension: c.Extension, Priority: c.Priority,
		CallerID: c.CallerID, WaitTime: time.Duration(c.WaitTime),
		Vars: []outbound.Var{
			{Name: "CAMPAIGN", Value: c.Name},
			{Name: "CUSTOMER_ID", Value: cu.ID},
			{Name: "CUSTOMER_NAME", Value: cu.Name},
			{Name: "AMOUNT_DUE", Value: cu.Amount},
			{Name: "CURRENCY", Value: cu.Currency},
			{Name: "CAMPAIGN_ATTEMPT", Value: fmt.Sprint(n)},
			{Name: "CHANNEL(language)", Value: cu.Language},
		},
		Customer: *cu.clone(), Attempt: n,
	}
}

// place makes one call and stores its end.
func (e *Engine) place(ctx context.Context, r *run, cu *Customer, call Call, release func()) {
	defer e.wg.Done()
	defer release()
	var res Dialled
	var err error
	// The limiter spaced the slots already, but the attempt's store write
	// between the slot and the call takes its own time (an fsync): pacing
	// right before the call keeps the INVITEs themselves to the rate.
	if r.limiter.Pace(ctx) == nil {
		res, err = e.orig.Originate(ctx, call)
	}
	if err != nil {
		e.log.Warn("originate failed", "campaign", call.Campaign, "customer", call.Customer.ID, "error", err)
		res.Outcome = outbound.OutcomeFailed
	}
	var vars map[string]string
	var answered time.Time
	ended := time.Now()
	interrupted := false
	if res.Outcome == outbound.OutcomeAnswered && res.Done != nil {
		answered = time.Now()
		select {
		case end := <-res.Done:
			vars, ended = end.Vars, end.At
		case <-ctx.Done():
			interrupted = true
		}
	} else if ctx.Err() != nil {
		interrupted = true // the switch is stopping: the dial was cut short
	}
	e.mu.Lock()
	ev := e.finishLocked(r, cu, call.Attempt, res, vars, answered, ended, interrupted)
	r.active--
	r.poke()
	e.mu.Unlock()
	e.emit(ev)
}

// resultOf is the status the dialplan left: CAMPAIGN_RESULT in lower
// case, else machine for AMDSTATUS=MACHINE, else answered.
func resultOf(vars map[string]string) Status {
	if v := strings.ToLower(strings.TrimSpace(vars["CAMPAIGN_RESULT"])); v != "" {
		return Status(v)
	}
	if strings.EqualFold(vars["AMDSTATUS"], "MACHINE") {
		return StatusMachine
	}
	return StatusAnswered
}

// statusOf is the status of an unanswered attempt.
func (c *Campaign) statusOf(res Dialled) Status {
	if res.SIPCode != 0 && slices.Contains(c.Retry.NeverCodes, res.SIPCode) {
		return StatusInvalidNumber
	}
	switch res.Outcome {
	case outbound.OutcomeBusy:
		return StatusBusy
	case outbound.OutcomeNoAnswer:
		return StatusNoAnswer
	case outbound.OutcomeCongestion:
		return StatusCongestion
	}
	return StatusFailed
}

// finishLocked records the end of cu's attempt n and decides whether it
// is retried.
func (e *Engine) finishLocked(r *run, cu *Customer, n int, res Dialled, vars map[string]string, answered, ended time.Time, interrupted bool) Event {
	c := r.c
	var st Status
	switch {
	case interrupted:
		st = StatusInterrupted
	case res.Outcome == outbound.OutcomeAnswered:
		st = resultOf(vars)
	default:
		st = c.statusOf(res)
	}
	if i := n - 1; i >= 0 && i < len(cu.Attempts) {
		a := &cu.Attempts[i]
		a.Answered, a.Ended, a.Outcome = answered, ended, st
		a.DialStatus, a.SIPCode, a.SIPReason = res.Outcome.String(), res.SIPCode, res.SIPReason
		a.Channel, a.Uniqueid = res.Channel, res.Uniqueid
	}
	cu.Status = st
	if v := vars["PAYMENT_ID"]; v != "" {
		cu.PaymentID = v
	}
	if v := vars["PAYMENT_STATUS"]; v != "" {
		cu.PaymentStatus = v
	}
	if v := vars["PAYMENT_URL"]; v != "" {
		cu.PaymentURL = v
	}
	rule, retryable := c.retryFor(st)
	switch {
	case interrupted, !retryable, rule.Never, len(cu.Attempts) >= c.MaxAttempts, c.State == StateStopped:
		cu.Done = true
	default:
		cu.NextAt = ended.Add(rule.Delay)
	}
	if err := e.store.PutCustomers(c.Name, cu); err != nil {
		// The attempt stays "calling" on disk: a restart reports it
		// interrupted, which is still true to "called once".
		e.log.Error("attempt end not stored", "campaign", c.Name, "customer", cu.ID, "error", err)
	}
	e.log.Info("campaign call ended", "campaign", c.Name, "customer", cu.ID, "number", cu.Number,
		"attempt", n, "status", st, "dialstatus", res.Outcome, "sip_code", res.SIPCode, "done", cu.Done)
	return Event{Campaign: c.Name, CustomerID: cu.ID, Number: cu.Number, Attempt: n, Status: st,
		DialStatus: res.Outcome.String(), SIPCode: res.SIPCode, Channel: res.Channel, Done: cu.Done}
}

// nextLocked returns the customer to call next and when (now or later,
// as windows and retry times say), nil when none is waiting. A running
// campaign with every customer done becomes finished.
func (e *Engine) nextLocked(r *run, now time.Time) (*Customer, time.Time) {
	if r.c.State != StateRunning {
		return nil, time.Time{}
	}
	var best *Customer
	var bestAt time.Time
	waiting := false
	for _, cu := range r.customers {
		if cu.Done {
			continue
		}
		waiting = true
		if cu.Status == StatusCalling {
			continue
		}
		at := cu.NextAt
		if at.Before(now) {
			at = now
		}
		open := NextOpen(r.c.Windows, at, e.zoneLocked(cu.Timezone, r.c.Timezone))
		if open.IsZero() {
			continue
		}
		if best == nil || open.Before(bestAt) {
			best, bestAt = cu, open
		}
	}
	if !waiting && r.active == 0 {
		r.c.State = StateFinished
		if err := e.store.PutCampaign(r.c); err != nil {
			e.log.Error("campaign state not stored", "campaign", r.c.Name, "error", err)
		}
		e.log.Info("campaign finished", "campaign", r.c.Name, "customers", len(r.customers))
	}
	return best, bestAt
}

// zoneLocked returns the location of a customer's timezone, else the
// campaign's, else the engine's.
func (e *Engine) zoneLocked(names ...string) *time.Location {
	for _, n := range names {
		if n == "" {
			continue
		}
		if loc, ok := e.zones[n]; ok {
			return loc
		}
		if loc, err := time.LoadLocation(n); err == nil {
			e.zones[n] = loc
			return loc
		}
	}
	return e.loc
}

func (e *Engine) emit(ev Event) {
	if e.events != nil {
		e.events(ev)
	}
}

// Create adds a campaign (validated, defaults filled in). A campaign
// created running starts dialling at once.
func (e *Engine) Create(c *Campaign) error {
	if err := c.Validate(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.camps[c.Name]; ok {
		return fmt.Errorf("campaign %s: %w", c.Name, ErrExists)
	}
	if c.Created.IsZero() {
		c.Created = time.Now()
	}
	if err := e.store.PutCampaign(c); err != nil {
		return err
	}
	r := e.newRun(c)
	e.camps[c.Name] = r
	e.startLoopLocked(r)
	return nil
}

// Define makes a campaign of campaigns.conf exist with the file's
// settings: created when new (and reported so, for its customers file to
// be imported), else updated, keeping its state and customers.
func (e *Engine) Define(c *Campaign) (created bool, err error) {
	if err := c.Validate(); err != nil {
		return false, err
	}
	e.mu.Lock()
	r, ok := e.camps[c.Name]
	if !ok {
		e.mu.Unlock()
		cp := *c // the engine's own: the caller's (a Config snapshot) stays as read
		return true, e.Create(&cp)
	}
	defer e.mu.Unlock()
	nc := *c
	nc.State, nc.Created = r.c.State, r.c.Created
	if err := e.store.PutCampaign(&nc); err != nil {
		return false, err
	}
	*r.c = nc
	r.limiter.SetLimit(nc.Limit)
	r.poke()
	return false, nil
}

// Import adds customers to a campaign. Each row is checked (number,
// amount, currency, timezone) and rows whose number or id is already in
// the campaign are refused with ErrDuplicate; refused rows come back as
// *RowError naming file and line, the others are stored (in one
// transaction) and added is their count. A finished campaign runs again.
func (e *Engine) Import(name, file string, rows []Row) (added int, errs []error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.camps[name]
	if !ok {
		return 0, []error{fmt.Errorf("campaign %s: %w", name, ErrNoCampaign)}
	}
	batch, errs := checkRows(r.c, file, rows, r.byNumber, r.byID)
	now := time.Now()
	for i, cu := range batch {
		cu.Seq = r.nextSeq + uint64(i)
		cu.NextAt = now
	}
	if len(batch) == 0 {
		return 0, errs
	}
	if err := e.store.PutCustomers(name, batch...); err != nil {
		return 0, append(errs, err)
	}
	for _, cu := range batch {
		r.add(cu)
	}
	if r.c.State == StateFinished {
		r.c.State = StateRunning
		if err := e.store.PutCampaign(r.c); err != nil {
			errs = append(errs, err)
		}
	}
	r.poke()
	return len(batch), errs
}

// Start runs an idle or paused (or finished) campaign.
func (e *Engine) Start(name string) error {
	return e.setState(name, StateRunning, StateIdle, StatePaused, StateFinished, StateRunning)
}

// Pause stops placing new calls (calls up go on); Start resumes.
func (e *Engine) Pause(name string) error {
	return e.setState(name, StatePaused, StateRunning, StatePaused, StateIdle)
}

// Stop ends a campaign: no new call is placed, customers not done become
// "stopped" (calls up go on and keep their result), and the campaign
// cannot be started again.
func (e *Engine) Stop(name string) error {
	return e.setState(name, StateStopped, StateIdle, StateRunning, StatePaused, StateFinished, StateStopped)
}

func (e *Engine) setState(name string, to State, from ...State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.camps[name]
	if !ok {
		return fmt.Errorf("campaign %s: %w", name, ErrNoCampaign)
	}
	if !slices.Contains(from, r.c.State) {
		return fmt.Errorf("campaign %s is %s, cannot be %s: %w", name, r.c.State, to, ErrBadState)
	}
	prev := r.c.State
	r.c.State = to
	if err := e.store.PutCampaign(r.c); err != nil {
		r.c.State = prev
		return err
	}
	if to == StateStopped {
		var stopped []*Customer
		for _, cu := range r.customers {
			if !cu.Done && cu.Status != StatusCalling {
				cu.Status, cu.Done = StatusStopped, true
				stopped = append(stopped, cu)
			}
		}
		if len(stopped) > 0 {
			if err := e.store.PutCustomers(name, stopped...); err != nil {
				return err
			}
		}
	}
	e.log.Info("campaign "+to.String(), "campaign", name, "was", prev)
	r.poke()
	return nil
}

// Summary is a campaign with its counts.
type Summary struct {
	Campaign
	// Customers counts the customers, Done those not to be called again,
	// Active the calls up.
	Customers int `json:"customers"`
	Done      int `json:"done"`
	Active    int `json:"active"`
	// ByStatus counts the customers by status.
	ByStatus map[Status]int `json:"by_status"`
}

func (r *run) summary() Summary {
	s := Summary{Campaign: *r.c, Customers: len(r.customers), Active: r.active, ByStatus: map[Status]int{}}
	s.Windows = slices.Clone(r.c.Windows)
	for _, cu := range r.customers {
		s.ByStatus[cu.Status]++
		if cu.Done {
			s.Done++
		}
	}
	return s
}

// Campaigns returns every campaign's summary, by name.
func (e *Engine) Campaigns() []Summary {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Summary, 0, len(e.camps))
	for _, r := range e.camps {
		out = append(out, r.summary())
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Campaign returns one campaign's summary.
func (e *Engine) Campaign(name string) (Summary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.camps[name]
	if !ok {
		return Summary{}, fmt.Errorf("campaign %s: %w", name, ErrNoCampaign)
	}
	return r.summary(), nil
}

// Customers returns copies of a campaign's customers in import order:
// its results.
func (e *Engine) Customers(name string) ([]*Customer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.camps[name]
	if !ok {
		return nil, fmt.Errorf("campaign %s: %w", name, ErrNoCampaign)
	}
	out := make([]*Customer, len(r.customers))
	for i, cu := range r.customers {
		out[i] = cu.clone()
	}
	return out, nil
}

// checkRows checks rows as customers of c (normalize), refusing those
// whose number or id is in have or earlier in rows.
func checkRows(c *Campaign, file string, rows []Row, haveNumber, haveID map[string]*Customer) ([]*Customer, []error) {
	var batch []*Customer
	var errs []error
	seenNum, seenID := map[string]int{}, map[string]int{}
	for _, row := range rows {
		cu := row.Customer
		if err := cu.normalize(c); err != nil {
			errs = append(errs, &RowError{file, row.Line, err})
			continue
		}
		if old, dup := haveNumber[cu.Number]; dup {
			errs = append(errs, &RowError{file, row.Line, fmt.Errorf("number %s is customer %s's already: %w", cu.Number, old.ID, ErrDuplicate)})
			continue
		}
		if line, dup := seenNum[cu.Number]; dup {
			errs = append(errs, &RowError{file, row.Line, fmt.Errorf("number %s repeats line %d: %w", cu.Number, line, ErrDuplicate)})
			continue
		}
		if _, dup := haveID[cu.ID]; dup {
			errs = append(errs, &RowError{file, row.Line, fmt.Errorf("customer id %s is in the campaign already: %w", cu.ID, ErrDuplicate)})
			continue
		}
		if line, dup := seenID[cu.ID]; dup {
			errs = append(errs, &RowError{file, row.Line, fmt.Errorf("customer id %s repeats line %d: %w", cu.ID, line, ErrDuplicate)})
			continue
		}
		seenNum[cu.Number], seenID[cu.ID] = row.Line, row.Line
		batch = append(batch, &cu)
	}
	return batch, errs
}

// CheckCSV reads a customer list for campaign c as an import would and
// returns how many rows are good and the errors of the others (file:line),
// without importing anything: what `obelisk check` reports.
func CheckCSV(c *Campaign, r io.Reader, file string) (good int, errs []error) {
	rows, errs := ParseCSV(r, file)
	batch, cerrs := checkRows(c, file, rows, nil, nil)
	return len(batch), append(errs, cerrs...)
}

// IsNotFound reports whether err is about a campaign that does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNoCampaign) }
