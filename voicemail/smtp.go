package voicemail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"time"
)

// SMTPMailer sends e-mail to one SMTP server (voicemail.conf's smtpserver):
// EHLO, STARTTLS when offered, AUTH PLAIN when a user is set, MAIL, RCPT,
// DATA, QUIT. Asterisk pipes the message to mailcmd instead; Obelisk has no
// sendmail to rely on.
type SMTPMailer struct {
	// Addr is host:port.
	Addr string
	// User and Password authenticate (AUTH PLAIN) when User is set.
	User, Password string
	// HelloName is the EHLO name (default "localhost").
	HelloName string
	// Timeout bounds a whole transaction when ctx has no deadline
	// (default 30 s).
	Timeout time.Duration
	// TLSConfig is used for STARTTLS (default: ServerName from Addr).
	TLSConfig *tls.Config
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTPMailer returns the mailer of voicemail.conf's smtp settings.
func NewSMTPMailer(g General) *SMTPMailer {
	return &SMTPMailer{Addr: g.SMTPServer, User: g.SMTPUser, Password: g.SMTPPassword}
}

// SendMail sends msg (CRLF lines, headers included) from from to to.
func (m *SMTPMailer) SendMail(ctx context.Context, from string, to []string, msg []byte) error {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", m.Addr, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		t := m.Timeout
		if t <= 0 {
			t = 30 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", m.Addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", m.Addr, err)
	}
	defer c.Close()
	hello := m.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("smtp %s: EHLO: %w", m.Addr, err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp %s: STARTTLS: %w", m.Addr, err)
		}
	}
	if m.User != "" {
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, host)); err != nil {
			return fmt.Errorf("smtp %s: AUTH: %w", m.Addr, err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", m.Addr, err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO %s: %w", m.Addr, rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", m.Addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", m.Addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", m.Addr, err)
	}
	return c.Quit()
}
