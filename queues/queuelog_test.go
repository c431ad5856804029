package queues

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"
)

func TestFormatLine(t *testing.T) {
	at := time.Unix(1366720340, 0)
	tests := []struct {
		name                 string
		callid, queue, agent string
		ev                   Event
		data                 []string
		want                 string
	}{
		{"ringnoanswer", "1366720340.303267", "MYQUEUE", "SIP/8007", EventRingNoAnswer, []string{"1000"},
			"1366720340|1366720340.303267|MYQUEUE|SIP/8007|RINGNOANSWER|1000"},
		{"queuestart", "NONE", "NONE", "NONE", EventQueueStart, nil, "1366720340|NONE|NONE|NONE|QUEUESTART|"},
		{"enterqueue", "1366720340.1", "q", "NONE", EventEnterQueue, []string{"", "7001", "1"},
			"1366720340|1366720340.1|q|NONE|ENTERQUEUE||7001|1"},
		{"connect", "1.1", "q", "Agent", EventConnect, []string{"12", "1.2", "5"}, "1366720340|1.1|q|Agent|CONNECT|12|1.2|5"},
		{"exitwithkey", "1.1", "q", "NONE", EventExitWithKey, []string{"5", "2", "3", "40"}, "1366720340|1.1|q|NONE|EXITWITHKEY|5|2|3|40"},
		{"addmember", "1.1", "q", "SIP/201", EventAddMember, []string{""}, "1366720340|1.1|q|SIP/201|ADDMEMBER|"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatLine(at, tc.callid, tc.queue, tc.agent, tc.ev, tc.data...); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// OpenQueueLog appends to an existing file, starting with QUEUESTART.
func TestOpenQueueLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "queue_log")
		if err := os.WriteFile(path, []byte("1|old|q|NONE|ENTERQUEUE||1|1\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		l, err := OpenQueueLog(path)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		if err := l.Log("q", "1.5", "SIP/201", EventPause, "lunch"); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal("second Close:", err)
		}
		if err := l.Log("q", "x", "y", EventPause); !errors.Is(err, ErrClosed) {
			t.Fatalf("Log after Close: %v", err)
		}
		b, _ := os.ReadFile(path)
		want := "1|old|q|NONE|ENTERQUEUE||1|1\n946684800|NONE|NONE|NONE|QUEUESTART|\n946684803|1.5|q|SIP/201|PAUSE|lunch\n"
		if string(b) != want {
			t.Fatalf("file\n%s\nwant\n%s", b, want)
		}
	})
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestQueueLogWriteError(t *testing.T) {
	err := NewQueueLog(failWriter{}).Log("q", "1", "a", EventAbandon, "1", "1", "3")
	if err == nil || err.Error() != "queue_log ABANDON: disk full" {
		t.Fatalf("err %v", err)
	}
	var buf bytes.Buffer
	if err := NewQueueLog(&buf).Log("q", "1", "a", EventAbandon, "1", "1", "3"); err != nil || buf.Len() == 0 {
		t.Fatal(err)
	}
}
