package ami

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadMessage(t *testing.T) {
	in := "Action: Originate\r\nactionid: 7\r\nVariable: A=1\r\nVariable: B=2\r\nnot a header\r\n\r\n\r\nAction: Ping\n\n"
	r := bufio.NewReader(strings.NewReader(in))
	m, err := ReadMessage(r)
	if err != nil {
		t.Fatal(err)
	}
	if m.Get("ACTION") != "Originate" || m.Get("ActionID") != "7" || strings.Join(m.All("variable"), ",") != "A=1,B=2" {
		t.Fatalf("got %+v", m)
	}
	m, err = ReadMessage(r)
	if err != nil || m.Get("Action") != "Ping" {
		t.Fatalf("second: %+v %v", m, err)
	}
	if _, err := ReadMessage(r); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}

func TestReadMessageLimits(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"truncated", "Action: Ping\r\n", io.ErrUnexpectedEOF},
		{"too long", "Action: " + strings.Repeat("x", MaxMessageSize) + "\r\n\r\n", ErrTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ReadMessage(bufio.NewReader(strings.NewReader(tc.in))); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWriteMessage(t *testing.T) {
	m := (&Message{}).Add("Response", "Success").Add("Message", "two\r\nlines")
	if got, want := m.String(), "Response: Success\r\nMessage: two lines\r\n\r\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func FuzzReadMessage(f *testing.F) {
	// Seeded with the golden sessions' actions (testdata/*.actions).
	files, _ := filepath.Glob(filepath.Join("testdata", "*.actions"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(strings.ReplaceAll(string(b), "\n", "\r\n"))
		}
	}
	f.Add("Action: Login\r\nUsername: a\r\nSecret: b\r\n\r\n")
	f.Add("Action: Ping\n\n")
	f.Add(":\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ReadMessage(bufio.NewReader(strings.NewReader(in)))
		if err != nil {
			return
		}
		// What is written reads back the same.
		again, err := ReadMessage(bufio.NewReader(strings.NewReader(m.String())))
		if err != nil {
			t.Fatalf("re-read %q: %v", m.String(), err)
		}
		if len(again.Fields) != len(m.Fields) {
			t.Fatalf("%q: %d fields, re-read %d", in, len(m.Fields), len(again.Fields))
		}
	})
}
