package voicemail

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Mailer hands an e-mail to a mail server. SMTPMailer is the real one;
// tests pass fakes.
type Mailer interface {
	SendMail(ctx context.Context, from string, to []string, msg []byte) error
}

// Defaults of make_email_file.
const (
	// DefaultServerEmail is the sender when serveremail is not set
	// ("asterisk", completed with @host).
	DefaultServerEmail = "asterisk"
	// DefaultFromName is the From display name without fromstring.
	DefaultFromName = "Asterisk PBX"
	// emailDateLayout is emaildateformat's default "%A, %B %d, %Y at %r".
	emailDateLayout = "Monday, January 02, 2006 at 03:04:05 PM"
	// emailCharset is the body's charset. Asterisk's default is
	// ISO-8859-1; Obelisk's texts are UTF-8 and say so.
	emailCharset = "UTF-8"
)

// defaultEmailBody is make_email_file's body without emailbody, with its
// arguments: full name, duration, message number, mailbox, caller, date.
const defaultEmailBody = "Dear %s:\n\n\tJust wanted to let you know you were just left a %s long message (number %d)\n" +
	"in mailbox %s from %s, on %s so you might\nwant to check it when you get a chance.  Thanks!\n\n\t\t\t\t--Asterisk\n\n"

// emailVars are the variables of emailsubject, emailbody and fromstring, as
// prep_email_sub_vars sets them.
func emailVars(m *Mailbox, msg Message, dur, date string) map[string]string {
	name, num := SplitCallerID(msg.Info.CallerID)
	unknown := "an unknown caller"
	cid := unknown
	if name != "" || num != "" {
		cid = MergeCallerID(name, num, "")
	}
	cat := msg.Info.Category
	return map[string]string{
		"VM_NAME": m.FullName, "VM_DUR": dur, "VM_MSGNUM": fmt.Sprint(msg.Num + 1),
		"VM_CONTEXT": m.Context, "VM_MAILBOX": m.Box, "VM_CALLERID": cid,
		"VM_CIDNAME": orString(name, unknown), "VM_CIDNUM": orString(num, unknown),
		"VM_DATE": date, "VM_CATEGORY": cat, "VM_FLAG": msg.Info.Flag,
	}
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// expandVars substitutes ${NAME} from vars (unknown names become empty, as
// in the dialplan). Only variables are supported, not functions.
func expandVars(s string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(vars[s[i+2:i+j]])
		s = s[i+j+1:]
	}
}

// phrase returns a header display name: an RFC 2047 encoded-word when it is
// not plain ASCII, a quoted string otherwise (ast_str_quote).
func phrase(s string) string {
	for _, c := range []byte(s) {
		if c > 126 || c < 32 {
			return mime.QEncoding.Encode(emailCharset, s)
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// emailAddress completes serveremail with the host name (make_email_file's who).
func emailAddress(serverEmail, host string) string {
	if serverEmail == "" {
		serverEmail = DefaultServerEmail
	}
	if strings.Contains(serverEmail, "@") {
		return serverEmail
	}
	return serverEmail + "@" + host
}

// emailRecipients splits voicemail.conf's email field (addresses joined by |).
func emailRecipients(email string) []string {
	var out []string
	for _, e := range strings.Split(email, "|") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// buildEmail returns the notification of a new message as make_email_file
// writes it, with CRLF line ends: headers, the text (emailbody or the
// default "Dear …"), and with attach the recording as an audio/x-wav part
// named msgNNNN.wav, base64 in 72-column lines like base_encode.
func buildEmail(m *Mailbox, set boxSettings, msg Message, now time.Time, host string, audio []byte) []byte {
	now = now.In(set.loc)
	dur := fmt.Sprintf("%d:%02d", msg.Info.Duration/60, msg.Info.Duration%60)
	date := now.Format(emailDateLayout)
	vars := emailVars(m, msg, dur, date)
	name, num := SplitCallerID(msg.Info.CallerID)
	who := emailAddress(set.serverEmail, host)
	msgnum := msg.Num + 1
	pid := os.Getpid()

	var b bytes.Buffer
	fmt.Fprintf(&b, "Date: %s\n", now.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	if set.fromString != "" {
		fmt.Fprintf(&b, "From: %s <%s>\n", phrase(expandVars(set.fromString, vars)), who)
	} else {
		fmt.Fprintf(&b, "From: %s <%s>\n", DefaultFromName, who)
	}
	to := emailRecipients(m.Email)
	b.WriteString("To:")
	for i, addr := range to {
		sep := ""
		if i < len(to)-1 {
			sep = ","
		}
		fmt.Fprintf(&b, " %s <%s>%s\n", phrase(m.FullName), addr, sep)
	}
	switch {
	case set.emailSubject != "":
		subj := expandVars(set.emailSubject, vars)
		if strings.ContainsFunc(subj, func(r rune) bool { return r > 126 }) { // check_mime
			subj = mime.QEncoding.Encode(emailCharset, subj)
		}
		fmt.Fprintf(&b, "Subject: %s\n", subj)
	case msg.Info.Flag != "":
		fmt.Fprintf(&b, "Subject: [PBX]: New %s message %d in mailbox %s\n", msg.Info.Flag, msgnum, m.Box)
	default:
		fmt.Fprintf(&b, "Subject: [PBX]: New message %d in mailbox %s\n", msgnum, m.Box)
	}
	fmt.Fprintf(&b, "Message-ID: <Asterisk-%d-%d-%s-%d@%s>\n", msgnum, rand.Uint32(), m.Box, pid, host)
	if num != "" {
		fmt.Fprintf(&b, "X-Asterisk-CallerID: %s\n", num)
	}
	if name != "" {
		fmt.Fprintf(&b, "X-Asterisk-CallerIDName: %s\n", mime.QEncoding.Encode(emailCharset, name))
	}
	b.WriteString("MIME-Version: 1.0\n")
	bound := ""
	if audio != nil {
		bound = fmt.Sprintf("----voicemail_%d%s%d%d", msgnum, m.Box, pid, rand.Uint32())
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\n", bound)
		fmt.Fprintf(&b, "\n\nThis is a multi-part message in MIME format.\n\n--%s\n", bound)
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: 8bit\n\n", emailCharset)
	if set.emailBody != "" {
		b.WriteString(expandVars(set.emailBody, vars))
		b.WriteString("\n")
	} else {
		caller := orString(name, orString(num, "an unknown caller"))
		fmt.Fprintf(&b, defaultEmailBody, m.FullName, dur, msgnum, m.Box, caller, date)
	}
	if audio != nil {
		file := MessageFile(msg.Num) + ".wav"
		fmt.Fprintf(&b, "--%s\n", bound)
		fmt.Fprintf(&b, "Content-Type: audio/x-wav; name=\"%s\"\n", file)
		b.WriteString("Content-Transfer-Encoding: base64\n")
		b.WriteString("Content-Description: Voicemail sound attachment.\n")
		fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"%s\"\n\n", file)
		enc := base64.StdEncoding.EncodeToString(audio)
		for len(enc) > 72 {
			b.WriteString(enc[:72] + "\n")
			enc = enc[72:]
		}
		b.WriteString(enc + "\n")
		fmt.Fprintf(&b, "\n\n--%s--\n", bound)
	}
	return crlf(b.Bytes())
}

// crlf makes every line end in CRLF, as SMTP wants.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// mailNew mails a new message to its mailbox's e-mail addresses
// (notify_new_message → sendmail) in the background; with the mailbox's
// delete=yes the message then leaves the spool, as in app_voicemail.
func (s *Service) mailNew(ctx context.Context, m *Mailbox, msg Message) {
	to := emailRecipients(m.Email)
	if len(to) == 0 || s.mailer == nil {
		return
	}
	set := s.settings(m)
	var audio []byte
	if set.attach {
		var err error
		if audio, err = os.ReadFile(msg.Path + ".wav"); err != nil {
			s.log.Warn("e-mail attachment", "mailbox", m.Address(), "file", filepath.Base(msg.Path), "err", err)
			audio = nil
		}
	}
	data := buildEmail(m, set, msg, s.now(), s.hostname, audio)
	if set.deleteAfterMail {
		if err := s.spool.Remove(m.ID(), msg.Folder, msg.Num); err != nil {
			s.log.Error("delete after e-mail", "mailbox", m.Address(), "err", err)
		}
	}
	from := emailAddress(set.serverEmail, s.hostname)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	s.mail.Add(1)
	go func() {
		defer s.mail.Done()
		defer cancel()
		if err := s.mailer.SendMail(ctx, from, to, data); err != nil {
			s.log.Warn("e-mail not sent", "mailbox", m.Address(), "to", strings.Join(to, ","), "err", err)
			return
		}
		s.log.Info("e-mail sent", "mailbox", m.Address(), "to", strings.Join(to, ","), "msg", msg.Num)
	}()
}
