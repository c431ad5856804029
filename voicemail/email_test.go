package voicemail

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a local SMTP server speaking enough of RFC 5321 for
// net/smtp: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
type smtpServer struct {
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	got  []sentMail
	done chan struct{}
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, done: make(chan struct{}, 10)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { fmt.Fprintf(c, "%s\r\n", line) }
	say("220 test ESMTP")
	var m sentMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO":
			say("250-test")
			say("250 8BITMIME")
		case verb == "HELO", verb == "NOOP", verb == "RSET":
			say("250 ok")
		case strings.HasPrefix(strings.ToUpper(line), "MAIL FROM:"):
			from, _, _ := strings.Cut(strings.TrimSpace(line[10:]), ">")
			m = sentMail{from: strings.TrimPrefix(from, "<")}
			say("250 ok")
		case strings.HasPrefix(strings.ToUpper(line), "RCPT TO:"):
			m.to = append(m.to, strings.Trim(line[8:], "<> "))
			say("250 ok")
		case verb == "DATA":
			say("354 go on")
			var body bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(strings.TrimPrefix(l, "."))
			}
			m.msg = body.Bytes()
			s.mu.Lock()
			s.got = append(s.got, m)
			s.mu.Unlock()
			say("250 queued")
			s.done <- struct{}{}
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

// TestEmailRoundTrip: a message left for a mailbox with an e-mail address
// reaches a real SMTP server as a MIME message whose attachment is the
// recording, byte for byte.
func TestEmailRoundTrip(t *testing.T) {
	srv := startSMTP(t)
	conf := strings.Replace(testConf, "[general]\n", "[general]\nsmtpserver="+srv.ln.Addr().String()+
		"\nattach=yes\nfromstring=Obelisk Voicemail\n", 1)
	cfg, msgs := load(t, conf)
	if msgs != "" {
		t.Fatal(msgs)
	}
	if cfg.General.SMTPServer != srv.ln.Addr().String() {
		t.Fatalf("smtpserver %q", cfg.General.SMTPServer)
	}
	s, _ := testService(t, conf, WithMailer(NewSMTPMailer(cfg.General)))
	ch := newFake(t, step{at: "record", rec: rec(3*time.Second, RecordStopDigit, '#')})
	out, err := s.Leave(context.Background(), ch, "101", LeaveOptions{})
	if err != nil || out.Status != StatusSuccess {
		t.Fatalf("%+v %v", out, err)
	}
	wav, err := os.ReadFile(out.Message.Path + ".wav")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.done:
	case <-time.After(10 * time.Second):
		t.Fatal("no e-mail")
	}
	s.Close()
	got := srv.got[0]
	if got.from != "vm@pbx.example.com" || len(got.to) != 1 || got.to[0] != "alice@example.com" {
		t.Fatalf("envelope %q %q", got.from, got.to)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.msg))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	for k, want := range map[string]string{
		"From":                    `"Obelisk Voicemail" <vm@pbx.example.com>`,
		"To":                      `"Alice Martin" <alice@example.com>`,
		"Subject":                 "[PBX]: New message 1 in mailbox 101",
		"X-Asterisk-Callerid":     "102",
		"X-Asterisk-Calleridname": "Bob",
		"Mime-Version":            "1.0",
	} {
		if v := h.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	if d, err := h.Date(); err != nil || !d.Equal(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)) {
		t.Errorf("Date %v %v", d, err)
	}
	if !strings.HasPrefix(h.Get("Message-Id"), "<Asterisk-1-") || !strings.HasSuffix(h.Get("Message-Id"), "@pbx>") {
		t.Errorf("Message-ID %q", h.Get("Message-Id"))
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	text, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(text)
	wantBody := "Dear Alice Martin:\r\n\r\n\tJust wanted to let you know you were just left a 0:03 long message (number 1)\r\n" +
		"in mailbox 101 from Bob, on Saturday, March 14, 2026 at 03:09:26 PM so you might\r\n" +
		"want to check it when you get a chance.  Thanks!\r\n\r\n\t\t\t\t--Asterisk\r\n"
	if !strings.HasPrefix(string(body), wantBody) || text.Header.Get("Content-Type") != "text/plain; charset=UTF-8" {
		t.Fatalf("text part %q\n%q", text.Header, body)
	}
	att, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if att.Header.Get("Content-Type") != `audio/x-wav; name="msg0000.wav"` || att.FileName() != "msg0000.wav" ||
		att.Header.Get("Content-Transfer-Encoding") != "base64" {
		t.Fatalf("attachment header %q", att.Header)
	}
	raw, _ := io.ReadAll(att)
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\r\n") {
		if len(l) > 72 {
			t.Fatalf("base64 line of %d columns", len(l))
		}
	}
	dec, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
	if err != nil || !bytes.Equal(dec, wav) {
		t.Fatalf("attachment: %d bytes (%v), recording %d", len(dec), err, len(wav))
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("after the attachment: %v", err)
	}
}

// TestEmailTemplates: emailsubject/emailbody with ${VM_…} and escapes,
// without attachment, in the mailbox's time zone.
func TestEmailTemplates(t *testing.T) {
	conf := `[general]
emailsubject=Voicemail ${VM_MSGNUM} from ${VM_CALLERID} (${VM_DUR})
emailbody=Hello ${VM_NAME},\n\t${VM_CIDNAME} <${VM_CIDNUM}> left ${VM_MAILBOX}@${VM_CONTEXT} a message on ${VM_DATE}.${VM_UNKNOWN}
serveremail=vm

[zonemessages]
paris=Europe/Paris|'vm-received' q 'digits/at' H 'hours' M 'minutes'

[default]
101 => 1234,Élodie Durand,elodie@example.com|el2@example.com,,tz=paris
`
	mailer := &fakeMailer{}
	s, _ := testService(t, conf, WithMailer(mailer))
	ch := newFake(t, step{at: "record", rec: rec(75*time.Second, RecordStopDigit, '#')})
	ch.name = ""
	if _, err := s.Leave(context.Background(), ch, "101", LeaveOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(mailer.sent) != 1 {
		t.Fatalf("%d mails", len(mailer.sent))
	}
	got := mailer.sent[0]
	if got.from != "vm@pbx" || strings.Join(got.to, ",") != "elodie@example.com,el2@example.com" {
		t.Fatalf("envelope %q %q", got.from, got.to)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.msg))
	if err != nil {
		t.Fatal(err)
	}
	if s := msg.Header.Get("Subject"); s != "Voicemail 1 from 102 (1:15)" {
		t.Errorf("subject %q", s)
	}
	addrs, err := msg.Header.AddressList("To")
	if err != nil || len(addrs) != 2 || addrs[0].Name != "Élodie Durand" || addrs[1].Address != "el2@example.com" {
		t.Errorf("To %v %v", addrs, err)
	}
	if msg.Header.Get("Date") != "Sat, 14 Mar 2026 16:09:26 +0100" {
		t.Errorf("Date %q", msg.Header.Get("Date"))
	}
	if msg.Header.Get("From") != "Asterisk PBX <vm@pbx>" {
		t.Errorf("From %q", msg.Header.Get("From"))
	}
	body, _ := io.ReadAll(msg.Body)
	want := "Hello Élodie Durand,\r\n\tan unknown caller <102> left 101@default a message on Saturday, March 14, 2026 at 04:09:26 PM.\r\n"
	if string(body) != want {
		t.Errorf("body %q\nwant %q", body, want)
	}
}
