package voicemail

import (
	"strings"
	"testing"
)

func TestSMTPSettings(t *testing.T) {
	tests := []struct {
		name, text, server, diag string
	}{
		{"host and port", "[general]\nsmtpserver=mail.example.com:587\nsmtpuser=pbx\nsmtppassword=s3cret\n", "mail.example.com:587", ""},
		{"port 25 by default", "[general]\nsmtpserver=mail.example.com\n", "mail.example.com:25", ""},
		{"ipv6", "[general]\nsmtpserver=[::1]:2525\n", "[::1]:2525", ""},
		{"bad", "[general]\nsmtpserver=a:b:c\n", "", `voicemail.conf:2: smtpserver: "a:b:c" is not host[:port]`},
		{"mailcmd alone", "[general]\nmailcmd=/usr/sbin/sendmail -t\n", "",
			"voicemail.conf:2: warning: mailcmd: Obelisk sends e-mail over SMTP; set smtpserver=host:port (mailcmd is ignored)"},
		{"mailcmd with smtpserver", "[general]\nmailcmd=/usr/sbin/sendmail -t\nsmtpserver=localhost:25\n", "localhost:25", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, msgs := load(t, tc.text)
			if cfg.General.SMTPServer != tc.server {
				t.Fatalf("server %q", cfg.General.SMTPServer)
			}
			if tc.diag == "" && msgs != "" || !strings.Contains(msgs, tc.diag) {
				t.Fatalf("diagnostics %q, want %q", msgs, tc.diag)
			}
		})
	}
	cfg, _ := load(t, tests[0].text)
	if m := NewSMTPMailer(cfg.General); m.Addr != "mail.example.com:587" || m.User != "pbx" || m.Password != "s3cret" {
		t.Fatalf("mailer %+v", m)
	}
}
