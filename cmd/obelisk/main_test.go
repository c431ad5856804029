package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// obelisk runs the command in-process and returns its exit code and output.
func obelisk(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// stepsOf returns the application lines ("context,exten,priority: App(args)")
// of a simulate run, without their time stamps.
func stepsOf(out string) []string {
	re := regexp.MustCompile(`^\d\d:\d\d:\d\d  (\S+,\S+,\d+: .*)$`)
	var steps []string
	for _, line := range strings.Split(out, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			steps = append(steps, m[1])
		}
	}
	return steps
}

// containsInOrder reports the first of want not found in steps after the
// previous one, or "".
func containsInOrder(steps []string, want []string) string {
	i := 0
	for _, w := range want {
		for i < len(steps) && !strings.Contains(steps[i], w) {
			i++
		}
		if i == len(steps) {
			return w
		}
		i++
	}
	return ""
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := obelisk(t, c.name, "--help")
			if code != 0 {
				t.Fatalf("%s --help: exit %d", c.name, code)
			}
			if !strings.Contains(stderr, "Usage: obelisk "+c.name) {
				t.Fatalf("%s --help printed:\n%s", c.name, stderr)
			}
		})
	}
	code, stdout, _ := obelisk(t, "--help")
	if code != 0 || !strings.Contains(stdout, "simulate") {
		t.Fatalf("obelisk --help: exit %d\n%s", code, stdout)
	}
	if code, _, _ := obelisk(t, "frobnicate"); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := obelisk(t, "version")
	if code != 0 || !strings.Contains(stdout, "obelisk") || !strings.Contains(stdout, "go.etcd.io/bbolt") {
		t.Fatalf("version: exit %d\n%s", code, stdout)
	}
}

func TestCheckDemoHasNoErrors(t *testing.T) {
	code, stdout, stderr := obelisk(t, "check")
	if code != 0 {
		t.Fatalf("check on the demo: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "0 errors") {
		t.Fatalf("check on the demo:\n%s", stdout)
	}
	// Every file of the demo is read.
	if !regexp.MustCompile(`: (\d+) files read`).MatchString(stdout) {
		t.Fatalf("no file count:\n%s", stdout)
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if strings.Contains(line, "error") && !strings.Contains(line, "0 errors") {
			t.Errorf("unexpected error line: %s", line)
		}
	}
}

func TestCheckBrokenConfigs(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		want []string // lines (or parts of lines) that must be printed
	}{
		{
			name: "syntax and dialplan mistakes",
			dir:  "syntax",
			want: []string{
				`extensions.conf:7: warning: unknown application "Playbak"`,
				`extensions.conf:10: `,
				`extensions.conf:11: `,
				`sip.conf:2: `,
				`sip.conf:3: `,
				`sip.conf:10: warning: `,
			},
		},
		{
			name: "include cycle",
			dir:  "cycle",
			want: []string{"include cycle", "extensions.conf -> more.conf -> extensions.conf"},
		},
		{
			name: "template loop",
			dir:  "template-loop",
			want: []string{"extensions.conf:", "sip.conf:1: "},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := obelisk(t, "check", "--config", filepath.Join("..", "..", "testdata", "broken", tc.dir))
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestCheckMissingDirectory(t *testing.T) {
	code, _, stderr := obelisk(t, "check", "--config", filepath.Join(t.TempDir(), "nope"))
	if code != 2 || !strings.Contains(stderr, "configuration directory") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestSimulateDemo walks the demo call centre through every menu path.
func TestSimulateDemo(t *testing.T) {
	incoming := []string{"--context", "incoming", "--exten", "0777", "--callerid", "7001", "--time", "2026-11-23 10:00"}
	tests := []struct {
		name     string
		args     []string
		want     []string // steps, in order (substrings)
		notWant  []string
		wantTail []string // in the final state
	}{
		{
			name: "Arabic, agent answers, survey scheduled",
			args: append(incoming, "--dtmf", "1", "--queue-status", "ANSWER"),
			want: []string{
				"incoming,0777,3: Answer()",
				"ivr-1,s,2: Background(callcentre/welcome&callcentre/menu-ar&callcentre/menu-en&callcentre/menu-fr)",
				"ivr-1,1,1: Set(CHANNEL(language)=ar)",
				"ivr-1,1,2: Set(__CC_QUEUE=ar-queue)",
				"queue,s,1: Playback(callcentre/recording-notice)",
				"queue,s,2: MixMonitor(20261123-100",
				"queue,s,3: Queue(ar-queue,tx,,,10)",
				"queue,h,1: GotoIf(",
				"queue,h,2: Gosub(schedule-survey,s,1)",
				"schedule-survey,s,4: System(printf 'Channel: Local/%s@survey-dial\\nCallerID: Call centre <%s>",
				"schedule-survey,s,5: Return()",
				"queue,h,3: NoOp(ar-queue call ended)",
			},
			notWant:  []string{"callback-request"},
			wantTail: []string{"language: ar"},
		},
		{
			name: "English, nobody answers, callback request confirmed",
			args: append(incoming, "--dtmf", "2 / 0791234567# 1 / 0612345678# 1", "--queue-status", "TIMEOUT"),
			want: []string{
				"ivr-1,2,1: Set(CHANNEL(language)=en)",
				"queue,s,3: Queue(en-queue,tx,,,10)",
				"queue,s,4: Verbose(2,en-queue: no agent for 7001 (TIMEOUT))",
				"callback-request,s,2: Playback(callcentre/callback-offer)",
				"callback-request,s,5: Read(CB_NUMBER,callcentre/callback-enter-number,15,,2,10)",
				"callback-request,s,9: SayDigits(0791234567)",
				"callback-request,s,10: Read(CB_CONFIRM,callcentre/confirm-or-retry,1,,2,10)",
				"callback-request,s,14: Read(CB_ALT,callcentre/callback-enter-alternative,15,,2,10)",
				"callback-request,s,18: SayDigits(0612345678)",
				`,7001,0791234567,0612345678,en-queue,en" >> /var/log/obelisk/Queue.csv)`,
				"Set(DB(callback/0791234567)=2026-11-23 10:",
				"Playback(callcentre/callback-thanks)",
				"Hangup(16)",
			},
			wantTail: []string{"language: en", "CB_NUMBER=0791234567", "CB_ALT=0612345678"},
		},
		{
			name: "French, number re-entered after pressing 2",
			args: append(incoming, "--dtmf", "3 / 0555# 2 / 0791234567# 1 / 0612345678# 1", "--queue-status", "TIMEOUT"),
			want: []string{
				"ivr-1,3,1: Set(CHANNEL(language)=fr)",
				"queue,s,3: Queue(fr-queue,tx,,,10)",
				"SayDigits(0555)",
				"callback-request,s,11: GotoIf(1?number)",
				"SayDigits(0791234567)",
				"SayDigits(0612345678)",
				",7001,0791234567,0612345678,fr-queue,fr\"",
				"Playback(callcentre/callback-thanks)",
			},
			wantTail: []string{"language: fr"},
		},
		{
			name: "invalid key then the menu again",
			args: append(incoming, "--dtmf", "9 2", "--queue-status", "JOINEMPTY"),
			want: []string{
				"ivr-1,i,1: Playback(callcentre/invalid-choice)",
				"ivr-1,retry,1: Set(MENU_TRIES=1)",
				"ivr-1,retry,2: GotoIf(1?s,menu)",
				"ivr-1,s,2: Background(",
				"ivr-1,2,1: Set(CHANNEL(language)=en)",
				"queue,s,4: Verbose(2,en-queue: no agent for 7001 (JOINEMPTY))",
			},
		},
		{
			name: "no key: three timeouts then goodbye",
			args: incoming,
			want: []string{
				"ivr-1,s,3: WaitExten(10)",
				"ivr-1,t,1: Goto(retry,1)",
				"ivr-1,retry,1: Set(MENU_TRIES=1)",
				"ivr-1,t,1: Goto(retry,1)",
				"ivr-1,retry,1: Set(MENU_TRIES=2)",
				"ivr-1,t,1: Goto(retry,1)",
				"ivr-1,retry,1: Set(MENU_TRIES=3)",
				"ivr-1,retry,2: GotoIf(0?s,menu)",
				"ivr-1,retry,3: Playback(callcentre/goodbye)",
				"ivr-1,retry,4: Hangup(16)",
			},
			notWant:  []string{"queue,"},
			wantTail: []string{"hangup cause 16"},
		},
		{
			name: "survey: a low rating offers the complaints mailbox",
			args: []string{"--context", "survey", "--exten", "s", "--dtmf", "3# 1", "--var", "SV_CALLER=7001", "--var", "SV_QUEUE=en-queue", "--var", "SV_AGENT=SIP/201"},
			want: []string{
				"survey,s,1: Answer()",
				"survey,s,6: Read(RATING,callcentre/survey-rate,2,,1,10)",
				`,7001,en-queue,SIP/201,3" >> /var/log/obelisk/Complaint.csv)`,
				"survey,s,11: GotoIf(0?thanks)",
				"survey,s,12: Read(LEAVE_MSG,callcentre/survey-leave-message,1,,2,10)",
				"survey,s,14: VoiceMail(600@VoiceMail,u)",
				"survey,s,15: Playback(callcentre/survey-thanks)",
			},
		},
		{
			name: "survey: a good rating ends with thanks",
			args: []string{"--context", "survey", "--exten", "s", "--dtmf", "10#", "--var", "SV_CALLER=7001"},
			want: []string{
				",7001,,,10\" >> /var/log/obelisk/Complaint.csv)",
				"survey,s,11: GotoIf(1?thanks)",
				"survey,s,15: Playback(callcentre/survey-thanks)",
			},
			notWant: []string{"VoiceMail("},
		},
		{
			name: "agent dials voicemail at 2000",
			args: []string{"--context", "agents", "--exten", "2000", "--callerid", "201"},
			want: []string{"agents,2000,1: VoiceMailMain(@VoiceMail)"},
		},
		{
			name: "agent calls a busy colleague and reaches the busy greeting",
			args: []string{"--context", "agents", "--exten", "301", "--callerid", "201", "--dial-status", "BUSY"},
			want: []string{
				"agents,301,1: Gosub(dial-phone,s,1(301))",
				"dial-phone,s,1: Dial(SIP/301,20,tTxX)",
				"dial-phone,s,2: GotoIf(1?busy)",
				"dial-phone,s,5: VoiceMail(301@VoiceMail,b)",
			},
		},
		{
			name: "a DID from the provider reaches the menu",
			args: []string{"--context", "from-pstn", "--exten", "21255512345", "--callerid", "0612345678", "--dtmf", "2", "--queue-status", "TIMEOUT", "--max-duration", "30s"},
			want: []string{
				"from-pstn,21255512345,2: Goto(incoming,0777,1)",
				"incoming,0777,2: Set(__CC_CALLER=0612345678)",
				"ivr-1,2,1: Set(CHANNEL(language)=en)",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := obelisk(t, append([]string{"simulate"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			steps := stepsOf(stdout)
			if miss := containsInOrder(steps, tc.want); miss != "" {
				t.Fatalf("steps lack %q (in order):\n%s", miss, strings.Join(steps, "\n"))
			}
			for _, nw := range tc.notWant {
				for _, s := range steps {
					if strings.Contains(s, nw) {
						t.Fatalf("unexpected step %q:\n%s", s, strings.Join(steps, "\n"))
					}
				}
			}
			tail := stdout[strings.Index(stdout, "== Call ended"):]
			for _, w := range tc.wantTail {
				if !strings.Contains(tail, w) {
					t.Errorf("final state lacks %q:\n%s", w, tail)
				}
			}
		})
	}
}

// TestSimulateRunSystemWritesCSV runs the callback flow's System() for real:
// the request lands in Queue.csv under the data directory, as seed 001's
// agents read it.
func TestSimulateRunSystemWritesCSV(t *testing.T) {
	data := t.TempDir()
	code, stdout, stderr := obelisk(t, "simulate", "--context", "incoming", "--exten", "0777", "--callerid", "7001",
		"--dtmf", "2 0791234567# 1 0612345678# 1", "--queue-status", "TIMEOUT", "--run-system", "--data", data,
		"--time", "2026-11-23 10:00")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(data, "log", "Queue.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-23 10:00"; !strings.HasPrefix(string(b), want) {
		t.Fatalf("Queue.csv = %q, want a line starting %q", b, want)
	}
	if want := ",7001,0791234567,0612345678,en-queue,en\n"; !strings.HasSuffix(string(b), want) {
		t.Fatalf("Queue.csv = %q, want a line ending %q", b, want)
	}
}

// TestSimulateRunSystemWritesSurveyCallFile checks the call file the h
// extension spools when an agent answered: Asterisk's call-file format with
// an mtime SURVEY_DELAY seconds after the call ended.
func TestSimulateRunSystemWritesSurveyCallFile(t *testing.T) {
	data := t.TempDir()
	code, stdout, stderr := obelisk(t, "simulate", "--context", "incoming", "--exten", "0777", "--callerid", "7001",
		"--dtmf", "2", "--queue-status", "ANSWER", "--run-system", "--data", data, "--time", "2026-11-23 10:00")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	files, err := filepath.Glob(filepath.Join(data, "spool", "outgoing", "survey-*.call"))
	if err != nil || len(files) != 1 {
		t.Fatalf("call files: %v %v\n%s", files, err, stdout)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Channel: Local/7001@survey-dial\n", "Context: survey\n", "Setvar: SV_QUEUE=en-queue\n", "Setvar: CHANNEL(language)=en\n", "Archive: yes\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("call file lacks %q:\n%s", want, b)
		}
	}
	st, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The simulated call starts at 10:00 local time; the agent talks 30 s
	// after 5 s in the queue, plus the prompts: the survey is due 5 minutes
	// after the end of the call.
	if m := st.ModTime(); m.Hour() != 10 || m.Minute() < 5 || m.Minute() > 7 {
		t.Errorf("call file mtime %s, want about 10:05-10:07", m)
	}
}
