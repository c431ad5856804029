package cdr

import (
	"errors"
	"sync"
)

// Writer is a CDR backend (what ast_cdr_register takes): the switch hands
// it each finished record. WriteRecord returns once the record is stored.
type Writer interface {
	WriteRecord(r *Record) error
}

// MultiWriter hands each record to every writer and joins their errors.
type MultiWriter []Writer

var _ Writer = MultiWriter(nil)

// WriteRecord writes r to each writer in turn.
func (m MultiWriter) WriteRecord(r *Record) error {
	var errs []error
	for _, w := range m {
		if err := w.WriteRecord(r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// MemWriter keeps records in memory: the twin of the file writers for
// tests of the code that produces CDRs.
type MemWriter struct {
	mu      sync.Mutex
	records []Record
}

var _ Writer = (*MemWriter)(nil)

// WriteRecord keeps a copy of r.
func (m *MemWriter) WriteRecord(r *Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records = append(m.records, *r)
	return nil
}

// Records returns copies of the records written so far.
func (m *MemWriter) Records() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Record(nil), m.records...)
}
