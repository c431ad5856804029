package pbx

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

func TestParseLocal(t *testing.T) {
	tests := []struct {
		name, in string
		want     localSpec
		wantErr  bool
	}{
		{name: "exten and context", in: "7001@survey-dial", want: localSpec{exten: "7001", context: "survey-dial"}},
		{name: "no optimization", in: "101@agents/n", want: localSpec{exten: "101", context: "agents", noOptimize: true, options: "n"}},
		{name: "jitter buffer too", in: "101@agents/nj", want: localSpec{exten: "101", context: "agents", noOptimize: true, options: "nj"}},
		{name: "default context", in: "s", want: localSpec{exten: "s", context: "default"}},
		{name: "empty context", in: "s@", want: localSpec{exten: "s", context: "default"}},
		{name: "no extension", in: "@ctx", wantErr: true},
		{name: "unknown option", in: "1@ctx/z", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseLocal(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parseLocal(%q) = %+v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseLocal(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

// localSwitch is a switch without SIP whose dialplan is ext.
func localSwitch(t *testing.T, ext string) *Switch {
	t.Helper()
	sw, err := New(Options{ConfigFS: fstest.MapFS{"extensions.conf": {Data: []byte(ext)}}, ConfigName: "test",
		DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	return sw
}

// waitGlobal waits for the dialplan to set a global variable.
func waitGlobal(t *testing.T, sw *Switch, name string) string {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if v, ok := sw.engine.Global(name); ok {
			return v
		}
	}
	t.Fatalf("the dialplan did not set %s", name)
	return ""
}

// A Local channel whose ;2 ends without a leg: the dialler's DIALSTATUS
// follows the cause ;2 hung up with, as app_dial's handle_cause reads it,
// and ;2's h extension runs.
func TestLocalDialStatusFromCause(t *testing.T) {
	sw := localSwitch(t, `[l]
exten => busy,1,Hangup(17)
exten => congested,1,Hangup(34)
exten => normal,1,Hangup()
exten => unreachable,1,Dial(Local/nowhere@l)
 same => n,Set(GLOBAL(UNREACHABLE_STATUS)=${DIALSTATUS})
 same => n,Hangup()
exten => answers,1,Answer()
 same => n,Playback(beep)
exten => h,1,Set(GLOBAL(H_${EXTEN}_RAN)=yes)
`)
	tests := []struct {
		exten, want string
	}{
		{"busy", "BUSY"},
		{"congested", "CONGESTION"},
		{"normal", "NOANSWER"},
		{"unreachable", "CHANUNAVAIL"}, // ;2's Dial set cause 44, Hangup() passed it on
		{"answers", "CHANUNAVAIL"},     // no media path between ;1 and ;2
		{"missing", "CHANUNAVAIL"},
	}
	for _, tc := range tests {
		t.Run(tc.exten, func(t *testing.T) {
			l := localSpec{exten: tc.exten, context: "l"}
			out, err := sw.dialLocal(context.Background(), l, b2bua.DialRequest{CallerNum: "7001", MaxForwards: 70}, localOrigin{})
			if err == nil {
				out.Close()
				t.Fatal("the Local channel answered")
			}
			if got := b2bua.DialStatus(err); got != tc.want {
				t.Errorf("DIALSTATUS = %s (%v), want %s", got, err, tc.want)
			}
			if tc.exten == "answers" && !errors.Is(err, errLocalNoMedia) {
				t.Errorf("err = %v, want errLocalNoMedia", err)
			}
		})
	}
	if v := waitGlobal(t, sw, "UNREACHABLE_STATUS"); v != "CHANUNAVAIL" {
		t.Errorf(";2's own DIALSTATUS = %q, want CHANUNAVAIL", v)
	}
	waitGlobal(t, sw, "H_h_RAN")
}

// ;2 starts with ;1's caller ID, language, account code and variables
// (ast_unreal_call_setup); the dialler giving up hangs ;2 up, and its h
// extension runs.
func TestLocalInheritsAndHangsUp(t *testing.T) {
	sw := localSwitch(t, `[l]
exten => 7001,1,Set(GLOBAL(SEEN)=${CALLERID(num)}/${CALLERID(name)}/${CHANNEL(language)}/${CDR(accountcode)}${CHANNEL(accountcode)}/${SV_QUEUE}/${CC_CALLER})
 same => n,Wait(30)
exten => h,1,Set(GLOBAL(H_RAN)=${CHANNEL(name)})
`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := sw.dialLocal(ctx, localSpec{exten: "7001", context: "l"},
			b2bua.DialRequest{CallerNum: "0777", CallerName: "Call centre", MaxForwards: 70},
			localOrigin{vars: map[string]string{"SV_QUEUE": "fr-queue", "__CC_CALLER": "7001"}, language: "fr", accountCode: "cc"})
		done <- err
	}()
	if got, want := waitGlobal(t, sw, "SEEN"), "0777/Call centre/fr/cc/fr-queue/7001"; got != want {
		t.Errorf(";2 sees %q, want %q", got, want)
	}
	if n := sw.locals.count("7001@l"); n != 1 {
		t.Errorf("%d Local channels up to 7001@l, want 1", n)
	}
	if st := sw.localDeviceState("7001@l/n"); st.String() != "INUSE" {
		t.Errorf("device state of Local/7001@l = %s while up, want INUSE", st)
	}
	cancel()
	if err := <-done; b2bua.DialStatus(err) != "CANCEL" {
		t.Errorf("dialler giving up: %v, want CANCEL", err)
	}
	if name := waitGlobal(t, sw, "H_RAN"); !regexpMatch(`^Local/7001@l-[0-9a-f]{8};2$`, name) {
		t.Errorf(";2's name = %q", name)
	}
	for end := time.Now().Add(5 * time.Second); sw.locals.count("7001@l") != 0 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if st := sw.localDeviceState("7001@l"); st.String() != "NOT_INUSE" {
		t.Errorf("device state of Local/7001@l once down = %s, want NOT_INUSE", st)
	}
	if st := sw.localDeviceState("nowhere@l"); st.String() != "INVALID" {
		t.Errorf("device state of a missing extension = %s, want INVALID", st)
	}
}

// A call file's Setvar naming a function writes it, as
// pbx_builtin_setvar_helper does: CHANNEL(language)=fr makes the channel
// French, CALLERID(name) changes the caller ID; the others are variables.
func TestCallFileSetvarFunctions(t *testing.T) {
	sw := localSwitch(t, "[survey]\nexten => s,1,NoOp()\n")
	cf := &outbound.CallFile{Name: "survey.call", Channel: "Local/7001@survey-dial", Context: "survey", Extension: "s", Priority: 1,
		CallerIDNum: "0777", CallerIDName: "Call centre",
		Vars: []outbound.Var{{Name: "CHANNEL(language)", Value: "fr"}, {Name: "CALLERID(name)", Value: "Qualité"}, {Name: "SV_CALLER", Value: "7001"}, {Name: "__SV_QUEUE", Value: "fr-queue"}}}
	l := localSpec{exten: "7001", context: "survey-dial"}
	ch := sw.engine.NewChannel(&originatedCall{}, sw.originatedOptions(cf, dialTarget{local: &l}))
	sw.setCallFileVars(ch, cf)
	if got := ch.Language(); got != "fr" {
		t.Errorf("language = %q, want fr", got)
	}
	if got := ch.CallerID(); got.Name != "Qualité" || got.Num != "0777" {
		t.Errorf("caller ID = %+v, want Qualité <0777>", got)
	}
	if _, ok := ch.LookupVar("CHANNEL(language)"); ok {
		t.Errorf("CHANNEL(language) was set as a variable")
	}
	vars := allVars(ch)
	if vars["SV_CALLER"] != "7001" || vars["__SV_QUEUE"] != "fr-queue" {
		t.Errorf("variables = %v", vars)
	}
	if !regexpMatch(`^Local/7001@survey-dial-[0-9a-f]{8};1$`, ch.Name) {
		t.Errorf("channel name = %q, want Local/7001@survey-dial-XXXXXXXX;1", ch.Name)
	}
	if ch.State() != ivr.StateUp {
		t.Errorf("state = %v, want Up", ch.State())
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// A queue member Local/exten@context is checked against the dialplan, as
// its calls would all be refused.
func TestLoadConfigLocalMembers(t *testing.T) {
	fsys := fstest.MapFS{
		"sip.conf":        {Data: []byte("[general]\n[1001]\ntype=friend\nhost=dynamic\ncontext=agents\n")},
		"extensions.conf": {Data: []byte("[agents]\nexten => 101,1,Dial(SIP/1001)\n")},
		"queues.conf": {Data: []byte(`[support]
member => Local/101@agents/n
member => Local/102@agents/n
member => Local/101@nowhere
member => Local/101@agents/q
`)},
	}
	_, diags := LoadConfig(fsys, NewRegistry())
	var got []string
	for _, d := range diags {
		if strings.Contains(d.Error(), "member Local/") {
			got = append(got, d.Error())
		}
	}
	want := []string{
		`queues.conf:3: warning: queue support: member Local/102@agents/n: no extension 102 in [agents]`,
		`queues.conf:4: warning: queue support: member Local/101@nowhere: context "nowhere" does not exist in extensions.conf`,
		`queues.conf:5: warning: queue support: member Local/101@agents/q: unknown option 'q'`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
