package cdr

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Files and directory of cdr_csv.
const (
	// DefaultCSVDir is cdr_csv's directory below the log directory
	// (ASTLOGDIR/cdr-csv).
	DefaultCSVDir = "cdr-csv"
	// MasterFile is the file every record goes to.
	MasterFile = "Master.csv"
	// TimeFormat is cdr_csv's DATE_FORMAT, "%Y-%m-%d %T".
	TimeFormat = "2006-01-02 15:04:05"
)

// maxCSVLine is the longest line (newline excluded) cdr_csv's 1024-byte
// buffer holds: build_csv_record fails unless the record with its trailing
// comma is shorter than bufsize-5.
const maxCSVLine = 1024 - 5 - 2

// CSVConfig is the [csv] section of cdr.conf.
type CSVConfig struct {
	// UseGMTime writes the times in GMT (usegmtime=yes) rather than in
	// Location.
	UseGMTime bool
	// Location is the local time zone of the times; time.Local when nil.
	Location *time.Location
	// LogUniqueID adds the uniqueid column after amaflags (loguniqueid).
	LogUniqueID bool
	// LogUserField adds the userfield column after it (loguserfield).
	LogUserField bool
	// NewCDRColumns adds peeraccount, linkedid and sequence (newcdrcolumns).
	NewCDRColumns bool
	// AccountLogs also appends a record that has an account code to
	// <accountcode>.csv beside Master.csv (accountlogs; Asterisk's default
	// is yes, see DefaultCSVConfig).
	AccountLogs bool
}

// DefaultCSVConfig is cdr_csv's configuration when [csv] sets nothing:
// local time, 16 columns, per-account files.
var DefaultCSVConfig = CSVConfig{AccountLogs: true}

// AppendCSV appends r to dst as one Master.csv line, newline included,
// exactly as cdr_csv's build_csv_record: every text field in double quotes
// with '"' doubled, the numbers bare, a time that is zero as nothing at all
// (two commas in a row), the columns accountcode, src, dst, dcontext, clid,
// channel, dstchannel, lastapp, lastdata, start, answer, end, duration,
// billsec, disposition, amaflags, then uniqueid, userfield and the new
// columns as cfg asks. A line that would not fit Asterisk's 1024-byte
// buffer is refused with ErrRecordTooLong, as Asterisk drops it.
func AppendCSV(dst []byte, r *Record, cfg CSVConfig) ([]byte, error) {
	start := len(dst)
	loc := cfg.Location
	if cfg.UseGMTime {
		loc = time.UTC
	} else if loc == nil {
		loc = time.Local
	}
	str := func(s string) {
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i] // a C string ends at NUL
		}
		dst = append(dst, '"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, s[i])
		}
		dst = append(dst, '"', ',')
	}
	num := func(n int64) {
		dst = strconv.AppendInt(dst, n, 10)
		dst = append(dst, ',')
	}
	date := func(t time.Time) {
		if t.IsZero() {
			dst = append(dst, ',')
			return
		}
		dst = append(dst, '"')
		dst = t.In(loc).AppendFormat(dst, TimeFormat)
		dst = append(dst, '"', ',')
	}
	str(r.AccountCode)
	str(r.Src)
	str(r.Dst)
	str(r.DContext)
	str(r.CLID)
	str(r.Channel)
	str(r.DstChannel)
	str(r.LastApp)
	str(r.LastData)
	date(r.Start)
	date(r.Answer)
	date(r.End)
	num(int64(r.Duration / time.Second))
	num(int64(r.BillSec / time.Second))
	str(r.Disposition.String())
	str(r.AMAFlags.String())
	if cfg.LogUniqueID {
		str(r.UniqueID)
	}
	if cfg.LogUserField {
		str(r.UserField)
	}
	if cfg.NewCDRColumns {
		str(r.PeerAccount)
		str(r.LinkedID)
		num(int64(r.Sequence))
	}
	dst[len(dst)-1] = '\n' // the trailing comma
	if len(dst)-start-1 > maxCSVLine {
		return dst[:start], fmt.Errorf("cdr of %s: %d bytes: %w", r.Channel, len(dst)-start-1, ErrRecordTooLong)
	}
	return dst, nil
}

// CSVWriter is cdr_csv: it appends each record to Master.csv in its
// directory, and to <accountcode>.csv when AccountLogs is on. Each record
// is written in one write(2) and synced before WriteRecord returns, so an
// acknowledged CDR survives a crash; the file is opened for each record, as
// cdr_csv does, so that log rotation needs no signal.
type CSVWriter struct {
	dir string
	cfg CSVConfig
	log *slog.Logger

	mu    sync.Mutex
	files map[string]*appendFile
	buf   []byte
}

var _ Writer = (*CSVWriter)(nil)

// Option configures a writer.
type Option func(*options)

type options struct{ log *slog.Logger }

// WithLogger sets the logger (slog.Default() otherwise), tagged
// component=cdr.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

func buildOptions(opts []Option) options {
	o := options{log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	o.log = o.log.With("component", "cdr")
	return o
}

// NewCSVWriter returns a writer of dir/Master.csv (dir is typically
// DATA/log/cdr-csv; it is created when missing).
func NewCSVWriter(dir string, cfg CSVConfig, opts ...Option) (*CSVWriter, error) {
	o := buildOptions(opts)
	if err := mkdir(dir); err != nil {
		return nil, fmt.Errorf("cdr csv directory: %w", err)
	}
	return &CSVWriter{dir: dir, cfg: cfg, log: o.log, files: map[string]*appendFile{}}, nil
}

// WriteRecord appends r to Master.csv (and its account file) and syncs it.
// The error is about Master.csv; a failure of the account file is logged,
// as cdr_csv does, since the record is safe in Master.csv.
func (w *CSVWriter) WriteRecord(r *Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	line, err := AppendCSV(w.buf[:0], r, w.cfg)
	if err != nil {
		return err
	}
	w.buf = line
	if err := w.fileLocked(MasterFile).append(line); err != nil {
		return fmt.Errorf("write cdr to %s: %w", MasterFile, err)
	}
	if w.cfg.AccountLogs && r.AccountCode != "" {
		acc := r.AccountCode
		if strings.Contains(acc, "/") || strings.HasPrefix(acc, ".") {
			w.log.Warn("account code insecure for writing file", "accountcode", acc, "error", ErrInsecureAccountCode)
		} else if err := w.fileLocked(acc + ".csv").append(line); err != nil {
			w.log.Warn("cannot write cdr to account file", "accountcode", acc, "error", err)
		}
	}
	return nil
}

func (w *CSVWriter) fileLocked(name string) *appendFile {
	f := w.files[name]
	if f == nil {
		f = &appendFile{path: filepath.Join(w.dir, name)}
		w.files[name] = f
	}
	return f
}
