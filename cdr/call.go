package cdr

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Call is the records of one channel's call, in order (what a Chain's
// Close returns): the unit cdr.json writes, one JSON object a call, for
// tools that want a call on one line where Master.csv, as Asterisk, has a
// record per party and per transfer.
type Call struct {
	Records []Record
}

// jsonCall is a Call's JSON: the caller's channel, its call, a summary
// and the records themselves.
type jsonCall struct {
	LinkedID    string   `json:"linkedid"`
	UniqueID    string   `json:"uniqueid"`
	Channel     string   `json:"channel"`
	Src         string   `json:"src"`
	CLID        string   `json:"clid"`
	AccountCode string   `json:"accountcode"`
	Start       string   `json:"start"`
	Answer      string   `json:"answer"`
	End         string   `json:"end"`
	Duration    int64    `json:"duration"`
	BillSec     int64    `json:"billsec"`
	Disposition string   `json:"disposition"`
	Records     []Record `json:"records"`
}

// MarshalJSON writes the call: linkedid, uniqueid, channel, src, clid and
// accountcode of its first record; start of the first record, answer of
// the first answered one, end of the last; duration from that start to
// that end and billsec the sum of the records' (the time billed);
// disposition ANSWERED when a record was answered, else the last
// record's; then records, each as Record.MarshalJSON writes it.
func (c Call) MarshalJSON() ([]byte, error) {
	if len(c.Records) == 0 {
		return json.Marshal(jsonCall{Records: []Record{}})
	}
	first, last := c.Records[0], c.Records[len(c.Records)-1]
	j := jsonCall{LinkedID: first.LinkedID, UniqueID: first.UniqueID, Channel: first.Channel, Src: first.Src, CLID: first.CLID,
		AccountCode: first.AccountCode, Start: jsonTime(first.Start), End: jsonTime(last.End),
		Duration: int64(wholeSeconds(last.End.Sub(first.Start)) / time.Second), Disposition: last.Disposition.String(), Records: c.Records}
	for _, r := range c.Records {
		if !r.Answer.IsZero() && j.Answer == "" {
			j.Answer = jsonTime(r.Answer)
		}
		if r.Disposition == DispositionAnswered {
			j.Disposition = DispositionAnswered.String()
		}
		j.BillSec += int64(r.BillSec / time.Second)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the records of what MarshalJSON writes (the summary
// is computed from them).
func (c *Call) UnmarshalJSON(b []byte) error {
	var j jsonCall
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	c.Records = j.Records
	return nil
}

// CallWriter is a backend that takes a call's records together: cdr.json
// writes them as one line.
type CallWriter interface {
	WriteCall(recs []Record) error
}

// WriteCall hands a call's records to w: together when w is a CallWriter,
// else one by one.
func WriteCall(w Writer, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	if cw, ok := w.(CallWriter); ok {
		return cw.WriteCall(recs)
	}
	var errs []error
	for i := range recs {
		if err := w.WriteRecord(&recs[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// WriteCall appends the call as one JSON line and syncs it.
func (w *JSONWriter) WriteCall(recs []Record) error {
	b, err := json.Marshal(Call{Records: recs})
	if err != nil {
		return fmt.Errorf("cdr of %s: %w", recs[0].Channel, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.file.append(append(b, '\n')); err != nil {
		return fmt.Errorf("write cdr to %s: %w", w.file.path, err)
	}
	return nil
}

// WriteCall appends each record to Master.csv, as cdr_csv gets them.
func (w *CSVWriter) WriteCall(recs []Record) error {
	var errs []error
	for i := range recs {
		if err := w.WriteRecord(&recs[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// WriteCall hands the call to each writer in turn.
func (m MultiWriter) WriteCall(recs []Record) error {
	var errs []error
	for _, w := range m {
		if err := WriteCall(w, recs); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

var (
	_ CallWriter = (*JSONWriter)(nil)
	_ CallWriter = (*CSVWriter)(nil)
	_ CallWriter = MultiWriter(nil)
)
