package ivr

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrAsyncGoto is the cause with which AsyncGoto cancels the context of
// the application a channel is running.
var ErrAsyncGoto = errors.New("async goto")

// ErrNotInDialplan is AsyncGoto's answer for a channel whose dialplan has
// ended (hung up, or running its h extension).
var ErrNotInDialplan = errors.New("channel is not running the dialplan")

// asyncGoto is a channel's pending asynchronous goto and the way to
// interrupt the application it runs. It is locked on its own: AsyncGoto
// comes from other goroutines (the manager's Redirect).
type asyncGoto struct {
	mu sync.Mutex
	// target is the pending goto, nil when none.
	target *gotoTarget
	// interrupt cancels the running application's context; nil between
	// applications.
	interrupt context.CancelCauseFunc
	// done is set once Run left the dialplan.
	done bool
}

type gotoTarget struct {
	context, exten string
	priority       int
}

// AsyncGoto moves a channel that runs the dialplan to context, exten and
// priority from another goroutine, as Asterisk's ast_async_goto does for
// the manager's Redirect: the application the channel runs (Playback,
// Read, WaitExten, Queue's wait, Dial's ringing…) is interrupted, its
// context cancelled with ErrAsyncGoto, and the engine goes on at the new
// place instead of hanging up. Empty context or exten keep the channel's
// current ones; priority 0 is 1. It returns ErrNotInDialplan once the
// channel left the dialplan.
func (ch *Channel) AsyncGoto(context, exten string, priority int) error {
	if priority <= 0 {
		priority = 1
	}
	a := &ch.async
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done {
		return fmt.Errorf("async goto %s: %w", ch.Name, ErrNotInDialplan)
	}
	a.target = &gotoTarget{context: context, exten: exten, priority: priority}
	if a.interrupt != nil {
		a.interrupt(ErrAsyncGoto)
	}
	return nil
}

// interruptible returns the context an application runs under: ctx,
// cancelled by a coming AsyncGoto. stop must be called when the
// application returned.
func (ch *Channel) interruptible(ctx context.Context) (actx context.Context, stop func()) {
	actx, cancel := context.WithCancelCause(ctx)
	a := &ch.async
	a.mu.Lock()
	a.interrupt = cancel
	if a.target != nil {
		cancel(ErrAsyncGoto)
	}
	a.mu.Unlock()
	return actx, func() {
		a.mu.Lock()
		a.interrupt = nil
		a.mu.Unlock()
		cancel(nil)
	}
}

// takeAsyncGoto applies a pending AsyncGoto on the engine's goroutine:
// the channel is moved there, pending digits are dropped, and it reports
// true.
func (ch *Channel) takeAsyncGoto() bool {
	a := &ch.async
	a.mu.Lock()
	t := a.target
	a.target = nil
	a.mu.Unlock()
	if t == nil {
		return false
	}
	ch.log.Info("async goto", "from", ch.Location(), "context", t.context, "exten", t.exten, "priority", t.priority)
	ch.Goto(t.context, t.exten, t.priority)
	ch.jumped = false
	ch.pendingExten = ""
	return true
}

// leaveDialplan marks the channel as no longer running the dialplan, so
// that AsyncGoto fails from now on.
func (ch *Channel) leaveDialplan() {
	a := &ch.async
	a.mu.Lock()
	a.done, a.target = true, nil
	a.mu.Unlock()
}
