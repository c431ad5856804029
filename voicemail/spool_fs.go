package voicemail

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Crash safety of the spool rests on three file system facts: a rename
// within a directory is atomic, a hard link makes a second name of complete
// data, and fsync of a file and of its directory makes both durable. A
// message is visible only when its msgNNNN.txt exists, and that name is
// always the last one made (rename of a complete, synced file) and the first
// one removed.

// writeFileSync writes data to path atomically: a temporary file in the same
// directory, fsync, rename, fsync of the directory.
func writeFileSync(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncFile fsyncs an existing file.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs a directory so that renames and links in it are durable.
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

// linkOrCopy makes dst a second name of src's data: a hard link, or a synced
// copy (through a temporary name) where links are not possible. dst must not
// exist.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	} else if errors.Is(err, fs.ErrExist) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return err
	}
	tmp := out.Name()
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// audioExts are the sound formats a message or greeting may be stored in:
// Obelisk records wav, an Asterisk spool copied over may hold the others.
var audioExts = map[string]bool{"wav": true, "WAV": true, "gsm": true, "ulaw": true, "alaw": true, "sln": true,
	"g722": true, "g729": true, "ogg": true}

// msgFiles is what a folder holds under one message number.
type msgFiles struct {
	txt   bool
	audio []string // extensions
}

func (m msgFiles) complete() bool { return m.txt && len(m.audio) > 0 }

// scanFolder groups a folder's msgNNNN.* files by number. A missing folder
// is empty.
func scanFolder(dir string) (map[int]*msgFiles, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[int]*msgFiles{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[int]*msgFiles{}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "msg") || e.IsDir() {
			continue
		}
		num, ext, ok := strings.Cut(name[3:], ".")
		if !ok || len(num) < 4 {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 {
			continue
		}
		mf := out[n]
		if mf == nil {
			mf = &msgFiles{}
			out[n] = mf
		}
		switch {
		case ext == "txt":
			mf.txt = true
		case audioExts[ext]:
			mf.audio = append(mf.audio, ext)
		}
	}
	return out, nil
}

// moveMessage renumbers a message within or across folders without a moment
// where it is lost: the sound files are linked under the new name, the .txt
// is renamed (the commit), then the old sound files are removed. A crash
// leaves at worst an orphan sound file, which resequence removes.
func moveMessage(srcDir string, src int, dstDir string, dst int, mf *msgFiles) error {
	from := filepath.Join(srcDir, MessageFile(src))
	to := filepath.Join(dstDir, MessageFile(dst))
	for _, ext := range mf.audio {
		os.Remove(to + "." + ext) // an orphan of an earlier crash
		if err := linkOrCopy(from+"."+ext, to+"."+ext); err != nil {
			return fmt.Errorf("move %s to %s: %w", from, to, err)
		}
	}
	if err := syncDir(dstDir); err != nil {
		return err
	}
	if err := os.Rename(from+".txt", to+".txt"); err != nil {
		return fmt.Errorf("move %s to %s: %w", from, to, err)
	}
	if err := syncDir(dstDir); err != nil {
		return err
	}
	if srcDir != dstDir {
		if err := syncDir(srcDir); err != nil {
			return err
		}
	}
	for _, ext := range mf.audio {
		os.Remove(from + "." + ext)
	}
	return nil
}

// copyMessage copies a message to another folder (save_to_folder's COPY):
// sound files linked, the .txt linked under a temporary name and renamed.
func copyMessage(srcDir string, src int, dstDir string, dst int, mf *msgFiles) error {
	from := filepath.Join(srcDir, MessageFile(src))
	to := filepath.Join(dstDir, MessageFile(dst))
	for _, ext := range mf.audio {
		os.Remove(to + "." + ext)
		if err := linkOrCopy(from+"."+ext, to+"."+ext); err != nil {
			return fmt.Errorf("copy %s to %s: %w", from, to, err)
		}
	}
	tmp := filepath.Join(dstDir, ".copy-"+filepath.Base(to)+".txt")
	os.Remove(tmp)
	if err := linkOrCopy(from+".txt", tmp); err != nil {
		return fmt.Errorf("copy %s to %s: %w", from, to, err)
	}
	if err := syncDir(dstDir); err != nil {
		return err
	}
	if err := os.Rename(tmp, to+".txt"); err != nil {
		return fmt.Errorf("copy %s to %s: %w", from, to, err)
	}
	return syncDir(dstDir)
}

// removeMessage deletes a message: the .txt first (the message is gone),
// then its sound files (vm_delete's order).
func removeMessage(dir string, num int, mf *msgFiles) error {
	base := filepath.Join(dir, MessageFile(num))
	if err := os.Remove(base + ".txt"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	for _, ext := range mf.audio {
		os.Remove(base + "." + ext)
	}
	return nil
}
