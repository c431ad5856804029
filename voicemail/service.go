package voicemail

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Service is Obelisk's app_voicemail: the VoiceMail() (Leave) and
// VoiceMailMain() (Main) applications over a voicemail.conf and a Spool,
// telling a Notifier of every change (MWI) and mailing new messages.
type Service struct {
	cfg       *Config
	spool     *Spool
	passwords PasswordStore
	notifier  Notifier
	mailer    Mailer
	log       *slog.Logger
	now       func() time.Time
	hostname  string

	// mail tracks the e-mails being sent; Close waits for them.
	mail   sync.WaitGroup
	closed atomic.Bool
}

// Option configures a Service.
type Option func(*Service)

// WithNotifier sets the MWI notifier (default: none).
func WithNotifier(n Notifier) Option { return func(s *Service) { s.notifier = n } }

// WithMailer sets how e-mail leaves (default: an SMTPMailer for
// voicemail.conf's smtpserver, none without one).
func WithMailer(m Mailer) Option { return func(s *Service) { s.mailer = m } }

// WithPasswords sets where changed PINs live (default: the spool's
// secret.conf files).
func WithPasswords(p PasswordStore) Option { return func(s *Service) { s.passwords = p } }

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock sets the time source of message dates (default: time.Now).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithHostname sets the host name of e-mail addresses and Message-IDs
// (default: os.Hostname).
func WithHostname(h string) Option { return func(s *Service) { s.hostname = h } }

// New returns a Service for cfg storing messages in spool.
func New(cfg *Config, spool *Spool, opts ...Option) (*Service, error) {
	if cfg == nil || spool == nil {
		return nil, errors.New("voicemail: New needs a config and a spool")
	}
	s := &Service{cfg: cfg, spool: spool, passwords: spool, log: slog.Default(), now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.mailer == nil && cfg.General.SMTPServer != "" {
		s.mailer = NewSMTPMailer(cfg.General)
	}
	if s.hostname == "" {
		s.hostname, _ = os.Hostname()
		if s.hostname == "" {
			s.hostname = "localhost"
		}
	}
	s.log = s.log.With("component", "voicemail")
	return s, nil
}

// Spool returns the service's spool.
func (s *Service) Spool() *Spool { return s.spool }

// Counts returns a mailbox's counts, for the NOTIFY answering a SUBSCRIBE.
func (s *Service) Counts(id MailboxID) (Counts, error) { return s.spool.Counts(id) }

// Close waits for the e-mails being sent. It is idempotent.
func (s *Service) Close() error {
	s.closed.Store(true)
	s.mail.Wait()
	return nil
}

// changed tells the notifier a mailbox's counts.
func (s *Service) changed(id MailboxID) {
	if s.notifier == nil {
		return
	}
	c, err := s.spool.Counts(id)
	if err != nil {
		s.log.Error("mwi counts", "mailbox", id.String(), "err", err)
		return
	}
	s.notifier.MailboxChanged(id, c.New, c.Old, c.Urgent)
}

// boxSettings are voicemail.conf's [general] with a mailbox's own options
// (the `|` list of its line) applied, as app_voicemail's apply_options.
type boxSettings struct {
	maxMsg           int
	maxSecs, minSecs time.Duration
	maxSilence       time.Duration
	silenceThreshold int
	attach           bool
	operator         bool
	sayCID           bool
	deleteAfterMail  bool
	serverEmail      string
	fromString       string
	emailSubject     string
	emailBody        string
	language         string
	minPassword      int
	maxLogins        int
	loc              *time.Location
}

func (s *Service) settings(m *Mailbox) boxSettings {
	g := s.cfg.General
	b := boxSettings{maxMsg: g.MaxMsg, maxSecs: g.MaxSecs, minSecs: g.MinSecs, maxSilence: g.MaxSilence,
		silenceThreshold: g.SilenceThreshold, attach: g.Attach, operator: g.Operator, sayCID: g.SayCID,
		serverEmail: g.ServerEmail, fromString: g.FromString, emailSubject: g.EmailSubject,
		emailBody: g.EmailBody, minPassword: g.MinPassword, maxLogins: g.MaxLogins}
	tz := g.TZ
	boolOpt := func(k string, dst *bool) {
		if v, ok := m.Options[k]; ok {
			if b, valid := config.ParseBool(v); valid {
				*dst = b
			}
		}
	}
	secsOpt := func(k string, dst *time.Duration) {
		if v, ok := m.Options[k]; ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				*dst = time.Duration(n) * time.Second
			}
		}
	}
	boolOpt("attach", &b.attach)
	boolOpt("operator", &b.operator)
	boolOpt("saycid", &b.sayCID)
	boolOpt("delete", &b.deleteAfterMail)
	secsOpt("maxsecs", &b.maxSecs)
	secsOpt("maxmessage", &b.maxSecs)
	secsOpt("minsecs", &b.minSecs)
	secsOpt("minmessage", &b.minSecs)
	if v, ok := m.Options["maxmsg"]; ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			b.maxMsg = n
		}
	}
	for k, dst := range map[string]*string{"serveremail": &b.serverEmail, "fromstring": &b.fromString,
		"emailsubject": &b.emailSubject, "emailbody": &b.emailBody, "language": &b.language, "tz": &tz} {
		if v, ok := m.Options[k]; ok {
			*dst = v
		}
	}
	b.emailBody = substituteEscapes(b.emailBody)
	b.emailSubject = substituteEscapes(b.emailSubject)
	b.loc = time.Local
	for _, z := range s.cfg.Zones {
		if z.Name == tz {
			if loc, err := time.LoadLocation(z.Location); err == nil {
				b.loc = loc
			}
		}
	}
	return b
}

// substituteEscapes turns voicemail.conf's \n, \r and \t into the
// characters, as app_voicemail does for emailbody and emailsubject.
func substituteEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\t`, "\t", `\\`, `\`).Replace(s)
}

// lookup finds a configured mailbox.
func (s *Service) lookup(id MailboxID) (*Mailbox, error) {
	m := s.cfg.Mailbox(id.String())
	if m == nil {
		return nil, fmt.Errorf("mailbox %s: %w", id, ErrNoMailbox)
	}
	return m, nil
}

// password returns the PIN in force: the one the owner set, else
// voicemail.conf's.
func (s *Service) password(m *Mailbox) string {
	if s.passwords != nil {
		if p, ok, err := s.passwords.Password(m.ID()); err != nil {
			s.log.Error("read password", "mailbox", m.Address(), "err", err)
		} else if ok {
			return p
		}
	}
	return m.Password
}

// Recover delivers the messages a killed switch left in the mailboxes' tmp
// directories: recordings whose .txt was written (finished, not yet
// committed) and recordings cut by the kill (a .part beside them; the WAV
// header is repaired and the duration read from the file). Recordings
// without either, and the temporary files of greetings, are removed. Call
// it once at start, before calls arrive; it tells the notifier and mails the
// recovered messages like new ones.
func (s *Service) Recover(ctx context.Context) ([]Message, error) {
	dirs, err := filepath.Glob(filepath.Join(s.spool.root, "*", "*", tmpFolder))
	if err != nil {
		return nil, err
	}
	var out []Message
	var errs []error
	for _, dir := range dirs {
		id := MailboxID{Context: filepath.Base(filepath.Dir(filepath.Dir(dir))), Box: filepath.Base(filepath.Dir(dir))}
		ents, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		bases := map[string]bool{}
		for _, e := range ents {
			name := e.Name()
			if i := strings.LastIndexByte(name, '.'); i > 0 && !strings.HasPrefix(name, ".") {
				bases[name[:i]] = true
			} else {
				os.Remove(filepath.Join(dir, name)) // temporary files of writeFileSync
			}
		}
		for base := range bases {
			m, ok, err := s.recoverOne(Recording{Box: id, Base: filepath.Join(dir, base)})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ok {
				out = append(out, m)
				s.log.Info("recovered message", "mailbox", id.String(), "folder", m.Folder.String(), "msg", m.Num)
				if box := s.cfg.Mailbox(id.String()); box != nil {
					s.mailNew(ctx, box, m)
				}
				s.changed(id)
			}
		}
	}
	return out, errors.Join(errs...)
}

func (s *Service) recoverOne(r Recording) (Message, bool, error) {
	if _, err := os.Stat(r.Path()); errors.Is(err, fs.ErrNotExist) {
		s.spool.Discard(r)
		return Message{}, false, nil
	}
	var info MessageInfo
	if data, err := os.ReadFile(r.Base + ".txt"); err == nil {
		if info, err = ParseMessageInfo(strings.NewReader(string(data))); err != nil {
			s.spool.Discard(r)
			return Message{}, false, nil
		}
	} else if data, err := os.ReadFile(r.Base + ".part"); err == nil {
		if info, err = ParseMessageInfo(strings.NewReader(string(data))); err != nil {
			s.spool.Discard(r)
			return Message{}, false, nil
		}
		d, err := repairWAV(r.Path())
		if err != nil || d < time.Second {
			s.spool.Discard(r)
			return Message{}, false, nil
		}
		info.Duration = int(d / time.Second)
	} else {
		s.spool.Discard(r)
		return Message{}, false, nil
	}
	f := FolderInbox
	if info.Flag == FlagUrgent {
		f = FolderUrgent
	}
	m, err := s.spool.Deliver(r, f, info)
	if err != nil {
		return Message{}, false, err
	}
	return m, true, nil
}
