package voicemail

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// File and directory modes of the spool (app_voicemail's VOICEMAIL_FILE_MODE
// and VOICEMAIL_DIR_MODE less a usual umask).
const (
	fileMode = 0o644
	dirMode  = 0o755
)

// tmpFolder is the mailbox's scratch directory ("tmp", as app_voicemail's
// create_dirpath(…, "tmp")): recordings under way and delivered ones not yet
// committed.
const tmpFolder = "tmp"

// Spool is the message store: Asterisk's voicemail spool under a root
// (Asterisk's VM_SPOOL_DIR, Obelisk's DATA/voicemail):
//
//	<root>/<context>/<box>/INBOX/msg0000.wav   the recording
//	<root>/<context>/<box>/INBOX/msg0000.txt   its MessageInfo
//	<root>/<context>/<box>/Old/ …              heard messages
//	<root>/<context>/<box>/Urgent/ Work/ Family/ Friends/
//	<root>/<context>/<box>/unavail.wav busy.wav greet.wav temp.wav
//	<root>/<context>/<box>/secret.conf         a changed password
//	<root>/<context>/<box>/tmp/                recordings under way
//
// Messages of a folder are numbered from 0 without gaps, as app_voicemail
// keeps them (resequence_mailbox). Every change is crash-safe: a message
// appears only when both its files are complete and synced, and a SIGKILL
// at any moment leaves each message in one place, or two, never none.
// A Spool is safe for concurrent use.
type Spool struct {
	root string

	// mu guards boxes.
	mu    sync.Mutex
	boxes map[MailboxID]*boxLock
}

// boxLock serializes the changes of one mailbox and counts its recordings
// under way (app_voicemail's inprocess_count).
type boxLock struct {
	sync.Mutex
	inprocess int
}

// NewSpool opens (and creates) a spool at root.
func NewSpool(root string) (*Spool, error) {
	if err := os.MkdirAll(root, dirMode); err != nil {
		return nil, fmt.Errorf("voicemail spool: %w", err)
	}
	return &Spool{root: root, boxes: map[MailboxID]*boxLock{}}, nil
}

// Root returns the spool's directory.
func (s *Spool) Root() string { return s.root }

// BoxDir returns <root>/<context>/<box>.
func (s *Spool) BoxDir(id MailboxID) string { return filepath.Join(s.root, id.Context, id.Box) }

// FolderDir returns <root>/<context>/<box>/<folder>.
func (s *Spool) FolderDir(id MailboxID, f Folder) string {
	return filepath.Join(s.BoxDir(id), f.String())
}

func (s *Spool) lock(id MailboxID) *boxLock {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[id]
	if b == nil {
		b = &boxLock{}
		s.boxes[id] = b
	}
	return b
}

// Messages lists a folder's complete messages in number order. It does not
// renumber; Open does.
func (s *Spool) Messages(id MailboxID, f Folder) ([]Message, error) {
	b := s.lock(id)
	b.Lock()
	defer b.Unlock()
	return s.messagesLocked(id, f)
}

func (s *Spool) messagesLocked(id MailboxID, f Folder) ([]Message, error) {
	dir := s.FolderDir(id, f)
	files, err := scanFolder(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s %s: %w", id, f, err)
	}
	var out []Message
	for n, mf := range files {
		if !mf.complete() {
			continue
		}
		base := filepath.Join(dir, MessageFile(n))
		m := Message{Num: n, Folder: f, Path: base}
		if data, err := os.ReadFile(base + ".txt"); err == nil {
			m.Info, _ = ParseMessageInfo(strings.NewReader(string(data)))
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Message) int { return a.Num - b.Num })
	return out, nil
}

// Open renumbers a folder without gaps, removes the orphan files a crash may
// have left, and lists it: app_voicemail's open_mailbox.
func (s *Spool) Open(id MailboxID, f Folder) ([]Message, error) {
	b := s.lock(id)
	b.Lock()
	defer b.Unlock()
	if err := s.resequenceLocked(id, f); err != nil {
		return nil, err
	}
	return s.messagesLocked(id, f)
}

// Resequence renumbers a folder's messages 0, 1, 2 … in order
// (resequence_mailbox) and removes orphan files.
func (s *Spool) Resequence(id MailboxID, f Folder) error {
	b := s.lock(id)
	b.Lock()
	defer b.Unlock()
	return s.resequenceLocked(id, f)
}

func (s *Spool) resequenceLocked(id MailboxID, f Folder) error {
	dir := s.FolderDir(id, f)
	files, err := scanFolder(dir)
	if err != nil {
		return fmt.Errorf("resequence %s %s: %w", id, f, err)
	}
	var nums []int
	for n, mf := range files {
		if mf.complete() {
			nums = append(nums, n)
			continue
		}
		// A sound without its .txt (a crash between link and commit) or a
		// .txt without sound: neither is a message.
		base := filepath.Join(dir, MessageFile(n))
		for _, ext := range mf.audio {
			os.Remove(base + "." + ext)
		}
		if mf.txt {
			os.Remove(base + ".txt")
		}
	}
	slices.Sort(nums)
	for i, n := range nums {
		if n == i {
			continue
		}
		if err := moveMessage(dir, n, dir, i, files[n]); err != nil {
			return fmt.Errorf("resequence %s %s: %w", id, f, err)
		}
	}
	return nil
}

// Count returns how many complete messages a folder holds.
func (s *Spool) Count(id MailboxID, f Folder) (int, error) {
	files, err := scanFolder(s.FolderDir(id, f))
	if err != nil {
		return 0, fmt.Errorf("count %s %s: %w", id, f, err)
	}
	n := 0
	for _, mf := range files {
		if mf.complete() {
			n++
		}
	}
	return n, nil
}

// Counts are a mailbox's message counts, as inboxcount2 returns them: New is
// INBOX, Old is Old, Urgent is the Urgent folder (new urgent messages).
type Counts struct {
	New, Old, Urgent int
}

// Counts returns a mailbox's counts for MWI.
func (s *Spool) Counts(id MailboxID) (Counts, error) {
	var c Counts
	var err error
	if c.New, err = s.Count(id, FolderInbox); err != nil {
		return c, err
	}
	if c.Old, err = s.Count(id, FolderOld); err != nil {
		return c, err
	}
	c.Urgent, err = s.Count(id, FolderUrgent)
	return c, err
}

// Recording is a recording under way in a mailbox's tmp directory.
type Recording struct {
	Box MailboxID
	// Base is the path without extension.
	Base string
}

// Path returns the file the channel records into (Base + ".wav").
func (r Recording) Path() string { return r.Base + ".wav" }

// NewRecording makes a fresh name in the mailbox's tmp directory.
func (s *Spool) NewRecording(id MailboxID) (Recording, error) {
	dir := filepath.Join(s.BoxDir(id), tmpFolder)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return Recording{}, fmt.Errorf("recording for %s: %w", id, err)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return Recording{}, err
	}
	return Recording{Box: id, Base: filepath.Join(dir, hex.EncodeToString(rnd[:]))}, nil
}

// Pending writes the message's information beside a recording about to
// start (Base + ".part"), so that Service.Recover can deliver what was
// recorded if the switch dies during the recording.
func (s *Spool) Pending(r Recording, info MessageInfo) error {
	data, _ := info.MarshalText()
	return writeFileSync(r.Base+".part", data, fileMode)
}

// Discard removes a recording and its notes.
func (s *Spool) Discard(r Recording) {
	for _, ext := range []string{".wav", ".part", ".txt"} {
		os.Remove(r.Base + ext)
	}
}

// Reserve counts a recording under way for the mailbox-full check
// (inprocess_count +1); the returned function releases it.
func (s *Spool) Reserve(id MailboxID) (inprocess int, release func()) {
	b := s.lock(id)
	b.Lock()
	b.inprocess++
	n := b.inprocess
	b.Unlock()
	var once sync.Once
	return n, func() {
		once.Do(func() {
			b.Lock()
			b.inprocess--
			b.Unlock()
		})
	}
}

// Deliver makes a finished recording message number last+1 of folder f and
// returns it. The recording is synced, its .txt written complete beside it
// (from that moment Recover would deliver it), the sound linked into the
// folder, and the .txt renamed into the folder last: the commit.
func (s *Spool) Deliver(r Recording, f Folder, info MessageInfo) (Message, error) {
	if err := syncFile(r.Path()); err != nil {
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	data, _ := info.MarshalText()
	if err := writeFileSync(r.Base+".txt", data, fileMode); err != nil {
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	os.Remove(r.Base + ".part")

	b := s.lock(r.Box)
	b.Lock()
	defer b.Unlock()
	dir := s.FolderDir(r.Box, f)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	files, err := scanFolder(dir)
	if err != nil {
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	n := 0
	for k, mf := range files {
		if mf.txt && k >= n {
			n = k + 1
		}
	}
	base := filepath.Join(dir, MessageFile(n))
	os.Remove(base + ".wav")
	if err := linkOrCopy(r.Path(), base+".wav"); err != nil {
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	if err := syncDir(dir); err != nil {
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	if err := os.Rename(r.Base+".txt", base+".txt"); err != nil {
		os.Remove(base + ".wav")
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	if err := syncDir(dir); err != nil {
		return Message{}, fmt.Errorf("deliver to %s: %w", r.Box, err)
	}
	os.Remove(r.Path())
	return Message{Num: n, Folder: f, Path: base, Info: info}, nil
}

// Remove deletes message num of folder f without renumbering the others
// (a VoiceMailMain session renumbers when it closes the folder).
func (s *Spool) Remove(id MailboxID, f Folder, num int) error {
	b := s.lock(id)
	b.Lock()
	defer b.Unlock()
	dir := s.FolderDir(id, f)
	files, err := scanFolder(dir)
	if err != nil {
		return fmt.Errorf("delete %s %s %d: %w", id, f, num, err)
	}
	mf := files[num]
	if mf == nil || !mf.complete() {
		return fmt.Errorf("delete %s %s %d: %w", id, f, num, ErrNoMessage)
	}
	return removeMessage(dir, num, mf)
}

// Copy copies message num of folder from to the end of folder to
// (save_to_folder) and returns its number there. It returns ErrMailboxFull
// when to already holds maxMsg messages (maxMsg 0: no limit).
func (s *Spool) Copy(id MailboxID, from Folder, num int, to Folder, maxMsg int) (int, error) {
	b := s.lock(id)
	b.Lock()
	defer b.Unlock()
	srcDir, dstDir := s.FolderDir(id, from), s.FolderDir(id, to)
	src, err := scanFolder(srcDir)
	if err != nil {
		return 0, fmt.Errorf("save %s %s %d to %s: %w", id, from, num, to, err)
	}
	mf := src[num]
	if mf == nil || !mf.complete() {
		return 0, fmt.Errorf("save %s %s %d to %s: %w", id, from, num, to, ErrNoMessage)
	}
	if err := os.MkdirAll(dstDir, dirMode); err != nil {
		return 0, err
	}
	dst, err := scanFolder(dstDir)
	if err != nil {
		return 0, err
	}
	n, count := 0, 0
	for k, d := range dst {
		if d.txt && k >= n {
			n = k + 1
		}
		if d.complete() {
			count++
		}
	}
	if maxMsg > 0 && count >= maxMsg {
		return 0, fmt.Errorf("save %s %s %d to %s: %w", id, from, num, to, ErrMailboxFull)
	}
	if err := copyMessage(srcDir, num, dstDir, n, mf); err != nil {
		return 0, err
	}
	return n, nil
}

// GreetingPath returns a greeting's path without extension, and whether it
// has been recorded.
func (s *Spool) GreetingPath(id MailboxID, g Greeting) (string, bool) {
	base := filepath.Join(s.BoxDir(id), g.String())
	for ext := range audioExts {
		if st, err := os.Stat(base + "." + ext); err == nil && st.Mode().IsRegular() {
			return base, true
		}
	}
	return base, false
}

// SaveGreeting makes a finished recording the mailbox's greeting g,
// replacing the old one in one rename.
func (s *Spool) SaveGreeting(r Recording, g Greeting) error {
	b := s.lock(r.Box)
	b.Lock()
	defer b.Unlock()
	if err := syncFile(r.Path()); err != nil {
		return fmt.Errorf("save greeting %s of %s: %w", g, r.Box, err)
	}
	base := filepath.Join(s.BoxDir(r.Box), g.String())
	if err := os.Rename(r.Path(), base+".wav"); err != nil {
		return fmt.Errorf("save greeting %s of %s: %w", g, r.Box, err)
	}
	for ext := range audioExts {
		if ext != "wav" {
			os.Remove(base + "." + ext)
		}
	}
	s.Discard(r)
	return syncDir(s.BoxDir(r.Box))
}

// RemoveGreeting deletes greeting g (vm_tempgreeting's 2).
func (s *Spool) RemoveGreeting(id MailboxID, g Greeting) error {
	b := s.lock(id)
	b.Lock()
	defer b.Unlock()
	base := filepath.Join(s.BoxDir(id), g.String())
	for ext := range audioExts {
		if err := os.Remove(base + "." + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove greeting %s of %s: %w", g, id, err)
		}
	}
	return syncDir(s.BoxDir(id))
}
