package voicemail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// PasswordStore keeps the PINs mailbox owners set with VoiceMailMain's
// 0-5. A stored PIN overrides voicemail.conf's, as app_voicemail's
// passwordlocation=spooldir secret.conf does; Obelisk never rewrites
// voicemail.conf.
type PasswordStore interface {
	// Password returns the stored PIN of a mailbox; ok is false when the
	// owner never changed it.
	Password(id MailboxID) (pin string, ok bool, err error)
	// SetPassword stores a new PIN durably.
	SetPassword(id MailboxID, pin string) error
}

var (
	_ PasswordStore = (*Spool)(nil)
	_ PasswordStore = (*MemPasswords)(nil)
)

// secretFile is app_voicemail's passwordlocation=spooldir file.
const secretFile = "secret.conf"

// Password reads <box>/secret.conf ([general] password=…).
func (s *Spool) Password(id MailboxID) (string, bool, error) {
	data, err := os.ReadFile(filepath.Join(s.BoxDir(id), secretFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("password of %s: %w", id, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == ';':
		case line[0] == '[':
			section = strings.Trim(line, "[]")
		case section == "general":
			if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "password" {
				v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ">"))
				return v, v != "", nil
			}
		}
	}
	return "", false, nil
}

// SetPassword writes <box>/secret.conf atomically.
func (s *Spool) SetPassword(id MailboxID, pin string) error {
	if err := os.MkdirAll(s.BoxDir(id), dirMode); err != nil {
		return fmt.Errorf("set password of %s: %w", id, err)
	}
	data := ";\n; Password of mailbox " + id.String() + ", set by its owner (VoiceMailMain)\n;\n[general]\npassword=" + pin + "\n"
	if err := writeFileSync(filepath.Join(s.BoxDir(id), secretFile), []byte(data), 0o600); err != nil {
		return fmt.Errorf("set password of %s: %w", id, err)
	}
	return nil
}

// MemPasswords is a PasswordStore in memory, for tests and the simulator.
type MemPasswords struct {
	// mu guards pins.
	mu   sync.Mutex
	pins map[MailboxID]string
}

// Password returns the stored PIN.
func (m *MemPasswords) Password(id MailboxID) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pins[id]
	return p, ok, nil
}

// SetPassword stores a PIN.
func (m *MemPasswords) SetPassword(id MailboxID, pin string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pins == nil {
		m.pins = map[MailboxID]string{}
	}
	m.pins[id] = pin
	return nil
}
