package outbound

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Submit queues cf in the spool directory dir the safe way Asterisk's
// documentation asks for: it writes tmp/name, syncs it, sets its mtime to at
// (the time to call; now when at is zero) and renames it into outgoing/, so
// that the spool never sees half a file. A file of the same name already in
// outgoing/ is replaced.
func Submit(dir, name string, cf *CallFile, at time.Time) error {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("submit %q: %w", name, ErrBadName)
	}
	text, err := cf.MarshalText()
	if err != nil {
		return fmt.Errorf("submit %s: %w", name, err)
	}
	if at.IsZero() {
		at = time.Now()
	}
	tmp := filepath.Join(dir, TmpDir, name)
	if err := writeSynced(tmp, text); err != nil {
		return fmt.Errorf("submit %s: %w", name, err)
	}
	if err := os.Chtimes(tmp, at, at); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("submit %s: %w", name, err)
	}
	outgoing := filepath.Join(dir, OutgoingDir)
	if err := os.Rename(tmp, filepath.Join(outgoing, name)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("submit %s: %w", name, err)
	}
	if err := syncDir(outgoing); err != nil {
		return fmt.Errorf("submit %s: %w", name, err)
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}
