package ivr

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// loadTestDialplan parses extensions.conf text; it fails the test on errors.
func loadTestDialplan(t *testing.T, text string) *Dialplan {
	t.Helper()
	f, diags := config.Parse("extensions.conf", strings.NewReader(text))
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	dp, diags := LoadDialplan(f, LoadOptions{})
	if diags.HasErrors() {
		t.Fatalf("load dialplan: %v", diags)
	}
	return dp
}

var testStart = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// simulate runs text from context,exten with keys and returns the result.
func simulate(t *testing.T, text, context, exten, keys string, mod ...func(*SimOptions)) *SimResult {
	t.Helper()
	o := SimOptions{Context: context, Exten: exten, Keys: keys, Start: testStart, CallerID: CallerID{Num: "0791234567"}}
	for _, m := range mod {
		m(&o)
	}
	return Simulate(t.Context(), loadTestDialplan(t, text), NewCoreRegistry(), o, nil)
}

// steps returns the "context,exten,priority: App(args)" lines of r.
func steps(r *SimResult) string { return strings.Join(r.Steps, "\n") }

func wantSteps(t *testing.T, r *SimResult, want ...string) {
	t.Helper()
	if got := steps(r); got != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestRunPriorities(t *testing.T) {
	const conf = `
[default]
exten => s,1,NoOp(start)
 same => n(second),Set(A=1)
 same => n,Goto(third)
 same => n,NoOp(skipped)
 same => n(third),NoOp(A=${A})
`
	r := simulate(t, conf, "default", "s", "")
	wantSteps(t, r,
		"default,s,1: NoOp(start)",
		"default,s,2: Set(A=1)",
		"default,s,3: Goto(third)",
		"default,s,5: NoOp(A=1)")
	if r.Reason != "no more priorities" || r.Cause != CauseNormalClearing {
		t.Errorf("ended %q cause %d", r.Reason, r.Cause)
	}
}

// A start extension that does not exist falls back to s (__ast_pbx_run).
func TestRunStartFallsBackToS(t *testing.T) {
	r := simulate(t, "[default]\nexten => s,1,NoOp(fallback)\n", "default", "999", "")
	wantSteps(t, r, "default,s,1: NoOp(fallback)")
}

func TestGotoIfForms(t *testing.T) {
	const conf = `
[default]
exten => s,1,GotoIf(${COND}?yes:no)
 same => n(no),NoOp(no)
 same => n,Hangup()
 same => n(yes),NoOp(yes)
 same => n,Hangup()
exten => t1,1,GotoIf(${COND}?other,1)
 same => n,NoOp(fell through)
exten => t2,1,GotoIf(${COND}?:s,yes)
 same => n,NoOp(fell through)
exten => t3,1,GotoIf($["${COND}" = "1"]?other,s,1:s,no)
exten => other,1,NoOp(other)
[other]
exten => s,1,NoOp(other context)
`
	tests := []struct {
		name, exten, cond string
		want              string // last step
	}{
		{"true label", "s", "1", "default,s,5: Hangup()"},
		{"false label", "s", "0", "default,s,3: Hangup()"},
		{"empty is false", "s", "", "default,s,3: Hangup()"},
		{"text is true", "s", "yes", "default,s,5: Hangup()"},
		{"leading zero number is false", "s", "00", "default,s,3: Hangup()"},
		{"true branch only, taken", "t1", "1", "default,other,1: NoOp(other)"},
		{"true branch only, not taken", "t1", "0", "default,t1,2: NoOp(fell through)"},
		{"false branch only", "t2", "0", "default,s,5: Hangup()"},
		{"false branch only, condition true", "t2", "1", "default,t2,2: NoOp(fell through)"},
		{"expression, context,exten,priority", "t3", "1", "other,s,1: NoOp(other context)"},
		{"expression false", "t3", "2", "default,s,3: Hangup()"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := simulate(t, conf, "default", tc.exten, "", func(o *SimOptions) { o.Vars = map[string]string{"COND": tc.cond} })
			if last := r.Steps[len(r.Steps)-1]; last != tc.want {
				t.Errorf("last step %q, want %q\n%s", last, tc.want, steps(r))
			}
		})
	}
}

// Background + WaitExten: the digit pressed chooses the extension; an
// unknown one goes to i with INVALID_EXTEN; no key goes to t.
func TestMenuDigits(t *testing.T) {
	const conf = `
[menu]
exten => s,1,Answer()
 same => n,Background(menu-prompt)
 same => n,WaitExten(5)
exten => 1,1,NoOp(one)
exten => 2,1,NoOp(two)
exten => 21,1,NoOp(twenty-one)
exten => i,1,NoOp(invalid ${INVALID_EXTEN})
exten => t,1,NoOp(timeout)
`
	tests := []struct {
		name, keys, want string
	}{
		{"single digit during prompt", "1", "menu,1,1: NoOp(one)"},
		{"invalid digit", "9", "menu,i,1: NoOp(invalid 9)"},
		{"no key goes to t", "", "menu,t,1: NoOp(timeout)"},
		{"two digits", "21", "menu,21,1: NoOp(twenty-one)"},
		{"prefix of a longer extension, then timeout", "2", "menu,2,1: NoOp(two)"},
		{"silent during prompt then key in WaitExten", "_1", "menu,t,1: NoOp(timeout)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := simulate(t, conf, "menu", "s", tc.keys)
			if last := r.Steps[len(r.Steps)-1]; last != tc.want {
				t.Errorf("last step %q, want %q\n%s", last, tc.want, steps(r))
			}
		})
	}
}

// With `_` the caller stays silent through the prompt's wait, then the
// digit arrives in WaitExten.
func TestWaitExtenThenDigit(t *testing.T) {
	const conf = `
[menu]
exten => s,1,Playback(hello)
 same => n,WaitExten(5)
exten => 3,1,NoOp(three)
`
	r := simulate(t, conf, "menu", "s", "3")
	wantSteps(t, r, "menu,s,1: Playback(hello)", "menu,s,2: WaitExten(5)", "menu,3,1: NoOp(three)")
}

// Without i or t handlers the call ends.
func TestInvalidWithoutHandlerHangsUp(t *testing.T) {
	const conf = "[menu]\nexten => s,1,Background(x)\n same => n,WaitExten(2)\nexten => 1,1,NoOp(one)\n"
	r := simulate(t, conf, "menu", "s", "7")
	if !strings.Contains(r.Reason, "invalid extension") {
		t.Errorf("reason %q", r.Reason)
	}
	r = simulate(t, conf, "menu", "s", "")
	if r.Reason != "Hangup() in dialplan" && r.Reason != "response timeout" {
		t.Errorf("timeout without t: reason %q", r.Reason)
	}
}

// The e extension catches an invalid extension when there is no i.
func TestExceptionExtension(t *testing.T) {
	const conf = `
[menu]
exten => s,1,Background(x)
 same => n,WaitExten(2)
exten => e,1,NoOp(${EXCEPTION(reason)})
`
	r := simulate(t, conf, "menu", "s", "5")
	wantSteps(t, r, "menu,s,1: Background(x)", "menu,e,1: NoOp(INVALID)")
}

// The h extension runs after the call ends and sees the hangup cause.
func TestHangupExtension(t *testing.T) {
	const conf = `
[default]
exten => s,1,Hangup(USER_BUSY)
exten => h,1,NoOp(cause ${HANGUPCAUSE})
 same => n,Set(DONE=yes)
`
	r := simulate(t, conf, "default", "s", "")
	wantSteps(t, r, "default,s,1: Hangup(USER_BUSY)", "default,h,1: NoOp(cause 17)", "default,h,2: Set(DONE=yes)")
	if r.Cause != CauseUserBusy || r.Caller.HangupCause != CauseUserBusy {
		t.Errorf("cause %d, call hung up with %d", r.Cause, r.Caller.HangupCause)
	}
}

// A Goto to a priority that does not exist ends the call (autofallthrough);
// with DIALSTATUS=BUSY the caller hears busy.
func TestMissingPriorityEndsCall(t *testing.T) {
	const conf = `
[default]
exten => s,1,Set(DIALSTATUS=BUSY)
 same => n,Goto(s,9)
`
	r := simulate(t, conf, "default", "s", "")
	if r.Cause != CauseUserBusy || len(r.Caller.Indications) != 1 || r.Caller.Indications[0] != IndicationBusy {
		t.Errorf("cause %d indications %v", r.Cause, r.Caller.Indications)
	}
}

func TestGotoLabelMissingHangsUp(t *testing.T) {
	r := simulate(t, "[default]\nexten => s,1,Goto(nowhere)\n same => n,NoOp(not reached)\n", "default", "s", "")
	if r.Err == nil || len(r.Steps) != 1 {
		t.Errorf("err %v steps %v", r.Err, r.Steps)
	}
}

// An infinite Goto loop is cut with an error naming the place.
func TestGotoLoopIsCut(t *testing.T) {
	const conf = "[default]\nexten => s,1,NoOp(spin)\n same => n,Goto(1)\n"
	done := make(chan *SimResult, 1)
	go func() { done <- simulate(t, conf, "default", "s", "") }()
	select {
	case r := <-done:
		if !errors.Is(r.Err, ErrLoop) || !strings.Contains(r.Err.Error(), "default,s,") {
			t.Fatalf("err = %v", r.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("loop was not cut")
	}
}

func TestGosubReturnLocal(t *testing.T) {
	const conf = `
[default]
exten => s,1,Set(X=outer)
 same => n,Gosub(sub,s,1(a,b,c))
 same => n,NoOp(${GOSUB_RETVAL} X=${X} ARG1=${ARG1} ARGC=${ARGC})
[sub]
exten => s,1,Set(LOCAL(X)=inner)
 same => n,NoOp(${ARGC}:${ARG1}${ARG2}${ARG3} X=${X})
 same => n,Gosub(deeper,1(z))
 same => n,Return(${ARG2}!)
exten => deeper,1,NoOp(deep ${ARG1} ${ARGC} X=${X})
 same => n,Return()
`
	r := simulate(t, conf, "default", "s", "")
	wantSteps(t, r,
		"default,s,1: Set(X=outer)",
		"default,s,2: Gosub(sub,s,1(a,b,c))",
		"sub,s,1: Set(LOCAL(X)=inner)",
		"sub,s,2: NoOp(3:abc X=inner)",
		"sub,s,3: Gosub(deeper,1(z))",
		"sub,deeper,1: NoOp(deep z 1 X=inner)",
		"sub,deeper,2: Return()",
		"sub,s,4: Return(b!)",
		"default,s,3: NoOp(b! X=outer ARG1= ARGC=)")
}

func TestReturnWithoutGosub(t *testing.T) {
	r := simulate(t, "[default]\nexten => s,1,Return()\n", "default", "s", "")
	if r.Err == nil {
		t.Fatal("Return without Gosub did not fail")
	}
}

func TestMacro(t *testing.T) {
	const conf = `
[default]
exten => s,1,Macro(greet,Bob)
 same => n,NoOp(after ${ARG1}|${MACRO_EXTEN})
[macro-greet]
exten => s,1,NoOp(hello ${ARG1} from ${MACRO_CONTEXT},${MACRO_EXTEN})
 same => n,Set(RESULT=done)
`
	r := simulate(t, conf, "default", "s", "")
	wantSteps(t, r,
		"default,s,1: Macro(greet,Bob)",
		"macro-greet,s,1: NoOp(hello Bob from default,s)",
		"macro-greet,s,2: Set(RESULT=done)",
		"default,s,2: NoOp(after |)")
}

func TestWhileLoop(t *testing.T) {
	const conf = `
[default]
exten => s,1,Set(I=0)
 same => n,While($[${I} < 3])
 same => n,Set(I=$[${I} + 1])
 same => n,ExecIf($[${I} = 2]?ContinueWhile())
 same => n,Set(SEEN=${SEEN}${I})
 same => n,EndWhile()
 same => n,NoOp(I=${I} SEEN=${SEEN})
 same => n,While(1)
 same => n,ExitWhile()
 same => n,NoOp(never)
 same => n,EndWhile()
 same => n,NoOp(out)
`
	r := simulate(t, conf, "default", "s", "")
	last := r.Steps[len(r.Steps)-1]
	if last != "default,s,12: NoOp(out)" || !strings.Contains(steps(r), "NoOp(I=3 SEEN=13)") {
		t.Errorf("steps:\n%s", steps(r))
	}
}

func TestReadApplication(t *testing.T) {
	const conf = `
[default]
exten => s,1,Read(NUM,enter-number,4,,${ATTEMPTS},3)
 same => n,NoOp(${NUM}|${READSTATUS})
`
	tests := []struct {
		name, keys, attempts, want string
	}{
		{"max digits", "12345", "1", "1234|OK"},
		{"terminator", "12#", "1", "12|OK"},
		{"terminator first", "#", "1", "|OK"},
		{"timeout with partial input", "12", "1", "12|TIMEOUT"},
		{"nothing", "", "1", "|TIMEOUT"},
		{"second attempt", "_9#", "2", "9|OK"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := simulate(t, conf, "default", "s", tc.keys, func(o *SimOptions) { o.Vars = map[string]string{"ATTEMPTS": tc.attempts} })
			if last := r.Steps[len(r.Steps)-1]; last != "default,s,2: NoOp("+tc.want+")" {
				t.Errorf("got %q want NoOp(%s)", last, tc.want)
			}
		})
	}
}

func TestPlaybackStatus(t *testing.T) {
	const conf = "[default]\nexten => s,1,Playback(hello&missing&world)\n same => n,NoOp(${PLAYBACKSTATUS})\n"
	dp := loadTestDialplan(t, conf)
	caller := func(o *SimOptions) {}
	_ = caller
	res := Simulate(t.Context(), dp, NewCoreRegistry(), SimOptions{Context: "default", Exten: "s", Start: testStart}, nil)
	if last := res.Steps[len(res.Steps)-1]; last != "default,s,2: NoOp(SUCCESS)" {
		t.Errorf("got %q", last)
	}
	if !res.Caller.Answered || strings.Join(res.Caller.Played, " ") != "en:hello en:missing en:world" {
		t.Errorf("answered %v played %v", res.Caller.Answered, res.Caller.Played)
	}
}

func TestSayApplications(t *testing.T) {
	const conf = "[default]\nexten => s,1,Set(CHANNEL(language)=fr)\n same => n,SayDigits(12#)\n same => n,SayNumber(1234)\n"
	r := simulate(t, conf, "default", "s", "")
	want := "fr:digits/1 fr:digits/2 fr:digits/pound fr:digits/thousand fr:digits/2 fr:digits/hundred fr:digits/30 fr:digits/4"
	if got := strings.Join(r.Caller.Played, " "); got != want {
		t.Errorf("played %s\nwant   %s", got, want)
	}
}

func TestAbsoluteTimeout(t *testing.T) {
	const conf = `
[default]
exten => s,1,Set(TIMEOUT(absolute)=5)
 same => n,Wait(10)
 same => n,NoOp(not reached)
exten => T,1,NoOp(absolute timeout)
`
	r := simulate(t, conf, "default", "s", "")
	if last := r.Steps[len(r.Steps)-1]; last != "default,T,1: NoOp(absolute timeout)" {
		t.Errorf("steps:\n%s", steps(r))
	}
}

func TestSystemStatus(t *testing.T) {
	const conf = `
[default]
exten => s,1,TrySystem(${CMD})
 same => n,NoOp(${SYSTEMSTATUS})
`
	tests := []struct{ cmd, want string }{
		{"true", "SUCCESS"},
		{"exit 3", "APPERROR"},
		{"/nonexistent/command", "FAILURE"},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			r := simulate(t, conf, "default", "s", "", func(o *SimOptions) {
				o.RunSystem = true
				o.Vars = map[string]string{"CMD": tc.cmd}
			})
			if last := r.Steps[len(r.Steps)-1]; last != "default,s,2: NoOp("+tc.want+")" {
				t.Errorf("got %q", last)
			}
		})
	}
	// System (not Try) ends the call when the command cannot run.
	r := simulate(t, "[default]\nexten => s,1,System(/nonexistent/x)\n same => n,NoOp(not reached)\n", "default", "s", "",
		func(o *SimOptions) { o.RunSystem = true })
	if len(r.Steps) != 1 || r.Err == nil {
		t.Errorf("System failure: steps %v err %v", r.Steps, r.Err)
	}
}

// System really appends to a file, as the seed's callback flow does.
func TestSystemAppendsCSV(t *testing.T) {
	dir := t.TempDir()
	conf := "[default]\nexten => s,1,System(echo \"${CALLERID(num)},${EXTEN}\" >> " + dir + "/Queue.csv)\n"
	simulate(t, conf, "default", "s", "", func(o *SimOptions) { o.RunSystem = true })
	simulate(t, conf, "default", "s", "", func(o *SimOptions) { o.RunSystem = true })
	b, err := readFile(dir + "/Queue.csv")
	if err != nil || b != "0791234567,s\n0791234567,s\n" {
		t.Fatalf("Queue.csv = %q, %v", b, err)
	}
}

func TestGotoIfTime(t *testing.T) {
	const conf = `
[default]
exten => s,1,GotoIfTime(08:00-17:59,mon-fri,*,*?open:closed)
 same => n(open),NoOp(open)
 same => n,Hangup()
 same => n(closed),NoOp(closed)
`
	// 2026-03-04 is a Wednesday.
	open := simulate(t, conf, "default", "s", "", func(o *SimOptions) { o.Start = time.Date(2026, 3, 4, 10, 0, 0, 0, time.Local) })
	closed := simulate(t, conf, "default", "s", "", func(o *SimOptions) { o.Start = time.Date(2026, 3, 7, 10, 0, 0, 0, time.Local) })
	if open.Steps[1] != "default,s,2: NoOp(open)" || closed.Steps[1] != "default,s,4: NoOp(closed)" {
		t.Errorf("open %v closed %v", open.Steps, closed.Steps)
	}
}

// DB() values persist in the engine's store.
func TestDBFunctions(t *testing.T) {
	const conf = `
[default]
exten => s,1,Set(DB(cc/${CALLERID(num)})=called)
 same => n,NoOp(${DB(cc/${CALLERID(num)})} ${DB_EXISTS(cc/${CALLERID(num)})} ${DB_EXISTS(cc/none)})
 same => n,NoOp(${DB_DELETE(cc/${CALLERID(num)})} ${DB_EXISTS(cc/${CALLERID(num)})})
`
	r := simulate(t, conf, "default", "s", "")
	wantSteps(t, r,
		"default,s,1: Set(DB(cc/0791234567)=called)",
		"default,s,2: NoOp(called 1 0)",
		"default,s,3: NoOp(called 0)")
}

// Run with the real clock under synctest: WaitExten's timeout is real time.
func TestRealClockTimeouts(t *testing.T) {
	synctestRun(t, func(t *testing.T) {
		dp := loadTestDialplan(t, "[m]\nexten => s,1,WaitExten(3)\nexten => t,1,Wait(2)\n same => n,NoOp(done)\n")
		e := New(dp, Options{})
		call := &timerCall{}
		ch := e.NewChannel(call, ChannelOptions{Context: "m", Exten: "s"})
		start := time.Now()
		res := e.Run(context.Background(), ch)
		if took := time.Since(start); took != 5*time.Second {
			t.Errorf("took %v, want 5s (3 s WaitExten + 2 s Wait)", took)
		}
		if res.Reason != "no more priorities" {
			t.Errorf("reason %q", res.Reason)
		}
	})
}
