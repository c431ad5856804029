package cdr

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// jsonRecord is the JSON form of a Record: Asterisk's CDR variable names,
// times in RFC 3339 ("" when zero), durations in seconds.
type jsonRecord struct {
	AccountCode string `json:"accountcode"`
	Src         string `json:"src"`
	Dst         string `json:"dst"`
	DContext    string `json:"dcontext"`
	CLID        string `json:"clid"`
	Channel     string `json:"channel"`
	DstChannel  string `json:"dstchannel"`
	LastApp     string `json:"lastapp"`
	LastData    string `json:"lastdata"`
	Start       string `json:"start"`
	Answer      string `json:"answer"`
	End         string `json:"end"`
	Duration    int64  `json:"duration"`
	BillSec     int64  `json:"billsec"`
	Disposition string `json:"disposition"`
	AMAFlags    string `json:"amaflags"`
	UniqueID    string `json:"uniqueid"`
	UserField   string `json:"userfield"`
	LinkedID    string `json:"linkedid"`
	PeerAccount string `json:"peeraccount"`
	Sequence    int    `json:"sequence"`
}

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseJSONTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// MarshalJSON writes r with Asterisk's CDR variable names (accountcode,
// src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start,
// answer, end, duration, billsec, disposition, amaflags, uniqueid,
// userfield, linkedid, peeraccount, sequence); times are RFC 3339 with
// their zone, "" when zero; duration and billsec are seconds.
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonRecord{
		AccountCode: r.AccountCode, Src: r.Src, Dst: r.Dst, DContext: r.DContext, CLID: r.CLID,
		Channel: r.Channel, DstChannel: r.DstChannel, LastApp: r.LastApp, LastData: r.LastData,
		Start: jsonTime(r.Start), Answer: jsonTime(r.Answer), End: jsonTime(r.End),
		Duration: int64(r.Duration / time.Second), BillSec: int64(r.BillSec / time.Second),
		Disposition: r.Disposition.String(), AMAFlags: r.AMAFlags.String(),
		UniqueID: r.UniqueID, UserField: r.UserField, LinkedID: r.LinkedID,
		PeerAccount: r.PeerAccount, Sequence: r.Sequence,
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Record) UnmarshalJSON(b []byte) error {
	var j jsonRecord
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var err error
	out := Record{AccountCode: j.AccountCode, Src: j.Src, Dst: j.Dst, DContext: j.DContext, CLID: j.CLID,
		Channel: j.Channel, DstChannel: j.DstChannel, LastApp: j.LastApp, LastData: j.LastData,
		Duration: time.Duration(j.Duration) * time.Second, BillSec: time.Duration(j.BillSec) * time.Second,
		UniqueID: j.UniqueID, UserField: j.UserField, LinkedID: j.LinkedID, PeerAccount: j.PeerAccount, Sequence: j.Sequence}
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{j.Start, &out.Start}, {j.Answer, &out.Answer}, {j.End, &out.End}} {
		if *t.dst, err = parseJSONTime(t.s); err != nil {
			return fmt.Errorf("cdr time %q: %w", t.s, err)
		}
	}
	if out.Disposition, err = ParseDisposition(j.Disposition); err != nil {
		return err
	}
	if out.AMAFlags, err = ParseAMAFlags(j.AMAFlags); err != nil {
		return err
	}
	*r = out
	return nil
}

// JSONWriter appends each record to a file as one JSON object per line
// (JSON Lines), for tools; like CSVWriter it syncs each record before
// returning.
type JSONWriter struct {
	mu   sync.Mutex
	file appendFile
}

var _ Writer = (*JSONWriter)(nil)

// NewJSONWriter returns a writer appending to path (its directory is
// created when missing).
func NewJSONWriter(path string, opts ...Option) (*JSONWriter, error) {
	_ = buildOptions(opts)
	if err := mkdir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("cdr json directory: %w", err)
	}
	return &JSONWriter{file: appendFile{path: path}}, nil
}

// WriteRecord appends r as a JSON line and syncs it.
func (w *JSONWriter) WriteRecord(r *Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("cdr of %s: %w", r.Channel, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.file.append(append(b, '\n')); err != nil {
		return fmt.Errorf("write cdr to %s: %w", w.file.path, err)
	}
	return nil
}
