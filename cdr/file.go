package cdr

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// appendFile appends whole lines to a file durably: one write(2) per line,
// fsync before returning, the directory synced when the file is created.
// The first append of a process also ends a line a crash left torn, so that
// the new record starts on a line of its own.
type appendFile struct {
	path    string
	checked bool // the tail was checked for a torn line
}

func (a *appendFile) append(line []byte) (err error) {
	_, statErr := os.Stat(a.path)
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if !a.checked && !created {
		torn, err := endsTorn(a.path)
		if err != nil {
			return err
		}
		if torn {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(line); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	a.checked = true
	if created {
		return syncDir(filepath.Dir(a.path))
	}
	return nil
}

// endsTorn reports whether a non-empty file does not end with a newline.
func endsTorn(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false, err
	}
	var b [1]byte
	if _, err := f.ReadAt(b[:], fi.Size()-1); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return b[0] != '\n', nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func mkdir(dir string) error { return os.MkdirAll(dir, 0o750) }
