package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/orderflow/orderflow/handlers"
)

// FileStore keeps idempotency records in an append-only JSON-lines file, as a
// real gateway keeps them on its side: a crash of orderflow cannot erase them.
// Several orderflow processes may share one file; an exclusive flock serialises
// their charges, and each reads what the others appended before deciding.
type FileStore struct {
	f   *os.File
	r   *bufio.Reader
	mem *MemoryStore
}

var _ Store = (*FileStore)(nil)

type record struct {
	Key     string            `json:"key"`
	Attempt int               `json:"attempt"`
	Receipt *handlers.Receipt `json:"receipt,omitempty"`
}

// OpenStore opens the file at path, or returns a MemoryStore of up to
// memoryRecords records when path is empty. The file keeps every record.
func OpenStore(path string, memoryRecords int) (Store, error) {
	if path == "" {
		return NewMemoryStore(memoryRecords), nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open gateway store: %w", err)
	}
	return &FileStore{f: f, r: bufio.NewReader(f), mem: NewMemoryStore(memoryRecords)}, nil
}

// Charge decides key's charge under the file lock, after reading what other
// processes appended, and appends the decision. A key whose receipt is known
// already is answered with it at once: a receipt, once written, is never
// changed, by this process or another, so the file need not be read for it.
func (s *FileStore) Charge(ctx context.Context, key string, decide func(int) (handlers.Receipt, error)) (handlers.Receipt, error) {
	s.mem.mu.Lock()
	defer s.mem.mu.Unlock()
	if r, ok := s.mem.receipts[key]; ok {
		return r, nil
	}
	release, err := lockFile(ctx, s.f)
	if err != nil {
		return handlers.Receipt{}, err
	}
	defer release()
	if err := s.catchUp(); err != nil {
		return handlers.Receipt{}, err
	}
	if r, ok := s.mem.receipts[key]; ok {
		return r, nil
	}
	attempt := s.mem.attempts[key] + 1
	rec := record{Key: key, Attempt: attempt}
	r, err := decide(attempt)
	if err == nil {
		rec.Receipt = &r
	}
	if werr := s.append(rec); werr != nil {
		return handlers.Receipt{}, werr
	}
	s.apply(rec)
	return r, err
}

// Receipt looks key up; unless its receipt is known already (a receipt never
// changes), it first reads what other processes appended. The later steps
// look up every order the payments step charged: in one process, the
// receipt is known, and the file is not touched.
func (s *FileStore) Receipt(ctx context.Context, key string) (handlers.Receipt, bool, error) {
	s.mem.mu.Lock()
	defer s.mem.mu.Unlock()
	if r, ok := s.mem.receipts[key]; ok {
		return r, true, nil
	}
	release, err := lockFile(ctx, s.f)
	if err != nil {
		return handlers.Receipt{}, false, err
	}
	defer release()
	if err := s.catchUp(); err != nil {
		return handlers.Receipt{}, false, err
	}
	r, ok := s.mem.receipts[key]
	return r, ok, nil
}

// catchUp applies the lines other processes appended since the last read.
// It runs under the file lock, and every writer writes whole lines under it, so
// a last line without its newline is torn: a crash or a full disk mid-write. It
// is ended with a newline and so dropped as a line of its own; the record
// appended next starts a line and stays readable.
func (s *FileStore) catchUp() error {
	for {
		line, err := s.r.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 {
				if _, err := s.f.Write([]byte{'\n'}); err != nil {
					return fmt.Errorf("end torn line in gateway store: %w", err)
				}
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read gateway store: %w", err)
		}
		var rec record
		if json.Unmarshal(line, &rec) == nil {
			s.apply(rec)
		}
	}
}

func (s *FileStore) apply(rec record) {
	if _, seen := s.mem.attempts[rec.Key]; !seen {
		s.mem.remember(rec.Key)
	}
	if rec.Attempt > s.mem.attempts[rec.Key] {
		s.mem.attempts[rec.Key] = rec.Attempt
	}
	if rec.Receipt != nil {
		s.mem.receipts[rec.Key] = *rec.Receipt
	}
}

func (s *FileStore) append(rec record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	// Under the lock the file ends where catchUp stopped reading, so this
	// O_APPEND write moves the shared offset past our own line: not read twice.
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write gateway store: %w", err)
	}
	return nil
}

func (s *FileStore) Close() error { return s.f.Close() }
