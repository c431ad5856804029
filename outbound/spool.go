package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultPollInterval is how often a Spool looks at spool/outgoing, as
// pbx_spool's scan thread does when it has no inotify: once a second.
const DefaultPollInterval = time.Second

// Subdirectories of the spool directory (Asterisk's ASTSPOOLDIR).
const (
	// OutgoingDir holds the call files waiting or being dialled.
	OutgoingDir = "outgoing"
	// DoneDir receives the finished call files that asked for Archive.
	DoneDir = "outgoing_done"
	// TmpDir is where call files are written before they are moved into
	// OutgoingDir, so the spool never reads half a file.
	TmpDir = "tmp"
)

// Originator places the call a call file describes; the switch implements
// it. Originate dials cf.Channel (Tech/Dest) with cf.CallerIDName/Num,
// cf.Account, cf.Codecs and cf.Vars set on the channel, rings it for at most
// cf.WaitTime and, when it answers, connects it to cf.Application(cf.Data),
// or to cf.Context, cf.Extension, cf.Priority (cf.EarlyMedia: already on
// early media). It returns once the outcome is known: an answered call goes
// on in the dialplan after Originate returns and belongs to the switch.
//
// cf.Retries is the number of the attempt (1 for the first). Originate must
// return when ctx ends (the spool is stopping). An error counts as a failed
// attempt (OutcomeFailed) unless the outcome is OutcomeAnswered.
type Originator interface {
	Originate(ctx context.Context, cf *CallFile) (Outcome, error)
}

// OriginatorFunc adapts a function to the Originator interface.
type OriginatorFunc func(ctx context.Context, cf *CallFile) (Outcome, error)

// Originate calls f(ctx, cf).
func (f OriginatorFunc) Originate(ctx context.Context, cf *CallFile) (Outcome, error) {
	return f(ctx, cf)
}

// Result reports a call file the spool has finished with.
type Result struct {
	// Name is the file's name in spool/outgoing.
	Name string
	// CallFile is the file as last read (nil when it could not be read).
	CallFile *CallFile
	// Status is Completed, Expired or Failed.
	Status Status
	// Outcome is the last attempt's outcome (OutcomeUnknown when the file
	// was finished without an attempt: unreadable, invalid, already expired).
	Outcome Outcome
	// Err is the last attempt's or the file's error, if any.
	Err error
	// Kept is true when the file stayed in spool/outgoing because it has
	// "AlwaysDelete: no" and an mtime in the future.
	Kept bool
}

// Option configures a Spool.
type Option func(*Spool)

// WithLogger sets the logger (slog.Default() otherwise); the spool tags it
// with component=outbound.
func WithLogger(l *slog.Logger) Option { return func(s *Spool) { s.log = l } }

// WithPollInterval sets how often spool/outgoing is scanned
// (DefaultPollInterval otherwise).
func WithPollInterval(d time.Duration) Option { return func(s *Spool) { s.poll = d } }

// WithPID sets the process number written in the StartRetry/EndRetry lines
// (os.Getpid() otherwise).
func WithPID(pid int) Option { return func(s *Spool) { s.pid = pid } }

// WithOnDone sets a function called, from the spool's goroutines, each
// time a call file is finished.
func WithOnDone(f func(Result)) Option { return func(s *Spool) { s.onDone = f } }

// Spool is pbx_spool: it watches spool/outgoing and dials the call files
// that are due, retrying and archiving them as Asterisk does. All its state
// is in the files themselves, so that a restart picks up where the last
// process stopped. See the package documentation for the rules.
type Spool struct {
	dir  string
	orig Originator
	poll time.Duration
	pid  int
	log  *slog.Logger

	onDone func(Result)

	// mu serializes the decisions taken on a file (read, append, move) and
	// guards the fields below it.
	mu sync.Mutex
	// inflight holds the paths of the files whose attempt is running in
	// this Spool.
	inflight map[string]bool
	// seen is each file's size and mtime at the last scan: a file is only
	// read once two scans in a row saw it unchanged.
	seen    map[string]stamp
	running bool
}

type stamp struct {
	size  int64
	mtime time.Time
}

// New returns a Spool for the spool directory dir (DATA/spool: outgoing,
// outgoing_done and tmp below it, created when missing) that places calls
// with o.
func New(dir string, o Originator, opts ...Option) (*Spool, error) {
	if o == nil {
		return nil, errors.New("outbound: nil Originator")
	}
	s := &Spool{dir: dir, orig: o, poll: DefaultPollInterval, pid: os.Getpid(), log: slog.Default(),
		inflight: map[string]bool{}, seen: map[string]stamp{}}
	for _, opt := range opts {
		opt(s)
	}
	if s.poll <= 0 {
		s.poll = DefaultPollInterval
	}
	s.log = s.log.With("component", "outbound")
	for _, d := range []string{OutgoingDir, DoneDir, TmpDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return nil, fmt.Errorf("create spool directory: %w", err)
		}
	}
	return s, nil
}

// Run scans spool/outgoing every poll interval until ctx ends, then waits
// for the attempts in progress (their context ends with ctx) and returns
// nil. An attempt interrupted this way leaves its file as it is: the next
// Spool started on the directory aborts and retries it.
func (s *Spool) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return ErrRunning
	}
	s.running = true
	s.mu.Unlock()

	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		s.scan(ctx, &wg)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// scan is one pass of pbx_spool's scan_thread: every regular file of
// spool/outgoing whose mtime has come (and that is not being written) is
// serviced.
func (s *Spool) scan(ctx context.Context, wg *sync.WaitGroup) {
	if ctx.Err() != nil {
		return
	}
	outgoing := filepath.Join(s.dir, OutgoingDir)
	entries, err := os.ReadDir(outgoing)
	if err != nil {
		s.log.Error("cannot read the spool", "dir", outgoing, "error", err)
		return
	}
	now := time.Now()
	seen := make(map[string]stamp, len(entries))
	for _, e := range entries {
		path := filepath.Join(outgoing, e.Name())
		fi, err := os.Stat(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("cannot stat call file", "file", e.Name(), "error", err)
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		st := stamp{size: fi.Size(), mtime: fi.ModTime()}
		seen[e.Name()] = st
		if fi.ModTime().After(now) {
			continue // scheduled for later
		}
		s.mu.Lock()
		prev, ok := s.seen[e.Name()]
		s.mu.Unlock()
		if !ok || prev != st {
			continue // new or still changing: read it at the next scan
		}
		s.service(ctx, wg, path, now)
	}
	s.mu.Lock()
	s.seen = seen
	s.mu.Unlock()
}

// service is scan_service: read the file, then start an attempt, note a
// delayed one, or finish the file.
func (s *Spool) service(ctx context.Context, wg *sync.WaitGroup, path string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := filepath.Base(path)
	log := s.log.With("file", name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		log.Warn("cannot read call file, removing it", "error", err)
		cf := NewCallFile("")
		cf.Name = name
		s.finishLocked(log, path, cf, StatusFailed, OutcomeUnknown, err)
		return
	}
	cf, err := ParseCallFile(bytes.NewReader(data), name)
	if err != nil {
		log.Warn("invalid call file, removing it", "error", err)
		s.finishLocked(log, path, cf, StatusFailed, OutcomeUnknown, err)
		return
	}
	for _, w := range cf.Warnings {
		log.Warn("call file line ignored", "warning", w.Error())
	}
	if cf.Retries > cf.MaxRetries {
		log.Info("call file expired without completion", "channel", cf.Channel, "attempts", cf.Retries)
		s.finishLocked(log, path, cf, StatusExpired, OutcomeUnknown, nil)
		return
	}
	if s.inflight[path] {
		// Still dialling after twice RetryTime: push the file's time on.
		if err := s.appendLocked(path, cf, time.Now(), "DelayedRetry"); err != nil {
			log.Error("cannot note the delayed retry", "error", err)
		}
		return
	}
	cf.Retries++
	if cf.CallingPID != 0 {
		// An attempt started by another process (or an earlier run of this
		// one) never ended: it died with it.
		log.Warn("attempt of a previous process never ended, retrying it", "pid", cf.CallingPID)
		if err := s.appendLocked(path, cf, time.Now(), "AbortRetry"); err != nil {
			log.Error("cannot note the aborted retry", "error", err)
			return
		}
	}
	// The StartRetry line is on disk before the call is placed: a crash
	// from here on is seen by the next process as an attempt to retry once.
	if err := s.appendLocked(path, cf, now.Add(cf.RetryTime), "StartRetry"); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Error("cannot note the attempt, not dialling", "error", err)
		}
		return
	}
	s.inflight[path] = true
	wg.Add(1)
	go s.attempt(ctx, wg, log, path, cf)
}

// attempt is attempt_thread: dial, then complete, retry or expire the file.
func (s *Spool) attempt(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger, path string, cf *CallFile) {
	defer wg.Done()
	log.Info("attempting call", "channel", cf.Channel, "attempt", cf.Retries, "max_retries", cf.MaxRetries)
	out, err := s.originate(ctx, cf)

	s.mu.Lock()
	defer s.mu.Unlock()
	defer delete(s.inflight, path)
	switch {
	case out == OutcomeAnswered:
		log.Info("call completed", "channel", cf.Channel)
		s.finishLocked(log, path, cf, StatusCompleted, out, err)
	case ctx.Err() != nil:
		log.Info("spool stopping during the attempt, the next start retries it", "channel", cf.Channel)
	case cf.Retries >= cf.MaxRetries+1:
		log.Info("call file expired without completion", "channel", cf.Channel, "outcome", out.String(), "error", err, "attempts", cf.Retries)
		s.finishLocked(log, path, cf, StatusExpired, out, err)
	default:
		log.Info("call failed to go through, will retry", "channel", cf.Channel, "outcome", out.String(), "error", err, "retry_in", cf.RetryTime)
		if err := s.appendLocked(path, cf, time.Now(), "EndRetry"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Error("cannot note the failed attempt", "error", err)
		}
	}
}

// originate calls the Originator, turning a panic into a failed attempt.
func (s *Spool) originate(ctx context.Context, cf *CallFile) (out Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = OutcomeFailed, fmt.Errorf("originate %s: panic: %v", cf.Channel, r)
		}
	}()
	out, err = s.orig.Originate(ctx, cf)
	if err != nil && out != OutcomeAnswered {
		err = fmt.Errorf("originate %s: %w", cf.Channel, err)
		if out == OutcomeUnknown {
			out = OutcomeFailed
		}
	}
	return out, err
}

// appendLocked is safe_append: a "\nWord: pid retries (unix time)\n" line,
// synced to disk, then the file's mtime set to at+RetryTime (its atime to
// at). It does not create a file that is gone (cancelled by deleting it).
func (s *Spool) appendLocked(path string, cf *CallFile, at time.Time, word string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "\n%s: %d %d (%d)\n", word, s.pid, cf.Retries, at.Unix())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append %s to %s: %w", word, path, err)
	}
	if err := os.Chtimes(path, at, at.Add(cf.RetryTime)); err != nil {
		return fmt.Errorf("set time of %s: %w", path, err)
	}
	return nil
}

// finishLocked is remove_from_queue followed by the OnDone report.
func (s *Spool) finishLocked(log *slog.Logger, path string, cf *CallFile, st Status, out Outcome, cause error) {
	kept, err := s.removeLocked(path, cf, st)
	if err != nil {
		log.Error("cannot remove call file", "status", st.String(), "error", err)
	}
	if kept {
		log.Info("call file kept: AlwaysDelete is no and its time is in the future")
	}
	if s.onDone != nil {
		s.onDone(Result{Name: filepath.Base(path), CallFile: cf, Status: st, Outcome: out, Err: cause, Kept: kept})
	}
}

// removeLocked is remove_from_queue: unless AlwaysDelete is off and the
// file's mtime is in the future, the file is deleted, or with Archive moved
// to outgoing_done (replacing a file of the same name) and given a
// "Status: …" line. Directories are synced so that a crash cannot bring a
// finished file back.
func (s *Spool) removeLocked(path string, cf *CallFile, st Status) (kept bool, err error) {
	if cf != nil && !cf.AlwaysDelete {
		if fi, err := os.Stat(path); err == nil && time.Now().Before(fi.ModTime()) {
			return true, nil
		}
	}
	outgoing := filepath.Dir(path)
	if cf == nil || !cf.Archive {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
		return false, syncDir(outgoing)
	}
	done := filepath.Join(s.dir, DoneDir)
	if err := os.MkdirAll(done, 0o750); err != nil {
		_ = os.Remove(path)
		return false, fmt.Errorf("archive disabled: %w", err)
	}
	target := filepath.Join(done, filepath.Base(path))
	_ = os.Remove(target)
	if err := os.Rename(path, target); err != nil {
		_ = os.Remove(path)
		return false, fmt.Errorf("archive %s: %w", path, err)
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return false, fmt.Errorf("archive %s: %w", target, err)
	}
	_, err = fmt.Fprintf(f, "Status: %s\n", st)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("archive %s: %w", target, err)
	}
	return false, errors.Join(syncDir(done), syncDir(outgoing))
}

// syncDir makes a rename or removal in dir durable.
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
