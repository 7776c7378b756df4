package console

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// position is where a record lies in the dead-letter topic.
type position struct {
	Partition int32
	Offset    int64
}

// Index holds every letter of the dead-letter topic in memory, kept current
// by a follower (follow.go), so that pages answer from memory, not from a
// read of the whole topic. What it holds per letter is bounded: a payload
// larger than payloadCap is dropped (the letter's detail reads it back from
// the topic), and so is a stack trace past stackCap. Every method is safe
// for concurrent use.
type Index struct {
	topic      string
	payloadCap int

	mu      sync.RWMutex
	letters []deadletter.Letter // in the order read
	sigs    []string            // sigs[i] is letters[i]'s Signature
	dropped []bool              // dropped[i]: letters[i]'s payload was not kept
	at      map[position]int    // a letter's index in letters
	markers map[position][]time.Time
	newest  []int32         // indexes into letters, the latest failure first; nil when stale
	read    map[int32]int64 // the next offset to read, per partition
	ends    map[int32]int64 // the topic's end offsets, as last asked
	err     error           // why the topic cannot be read now; nil when it can
	errAt   time.Time
	version uint64            // one more on every change
	changed chan struct{}     // closed, and replaced, on every change
	names   map[string]string // one copy of each string many letters share
}

// stackCap bounds a panic's stack trace kept in memory.
const stackCap = 8 << 10

// NewIndex returns an empty index of topic, keeping payloads of up to
// payloadCap bytes.
func NewIndex(topic string, payloadCap int) *Index {
	return &Index{
		topic: topic, payloadCap: payloadCap,
		at: map[position]int{}, markers: map[position][]time.Time{},
		read: map[int32]int64{}, changed: make(chan struct{}), names: map[string]string{},
	}
}

// Topic is the dead-letter topic indexed.
func (x *Index) Topic() string { return x.topic }

// Add takes in one record of the dead-letter topic: a letter, or a replay
// marker. A record added again (a follower restarted) replaces itself.
func (x *Index) Add(r kafkaclient.Record) {
	if r.Control { // a transaction's marker: read, nothing to index
		x.mu.Lock()
		defer x.mu.Unlock()
		x.read[r.Partition] = max(x.read[r.Partition], r.Offset+1)
		return
	}
	var d deadletter.Letter
	marker := deadletter.IsReplayMarker(r)
	if !marker {
		d = deadletter.Parse(r)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if next := r.Offset + 1; next > x.read[r.Partition] {
		x.read[r.Partition] = next
	}
	if marker {
		x.addMarker(r)
	} else {
		x.addLetter(d)
	}
	x.touch()
}

func (x *Index) addLetter(d deadletter.Letter) {
	pos := position{d.DLQPartition, d.DLQOffset}
	dropped := len(d.Payload) > x.payloadCap
	if dropped {
		d.Payload = nil
	}
	if len(d.Stack) > stackCap {
		d.Stack = d.Stack[:stackCap] + "\n… (cut at 8 KiB)"
	}
	if ms := x.markers[pos]; len(ms) > 0 {
		first := slices.MinFunc(ms, time.Time.Compare)
		d.ReplayedAt = &first
	}
	sig := x.shared(deadletter.Signature(d))
	d.Topic, d.Handler, d.ConsumerGroup, d.ErrorType = x.shared(d.Topic), x.shared(d.Handler), x.shared(d.ConsumerGroup), x.shared(d.ErrorType)
	d.ErrorKind = deadletter.Kind(x.shared(string(d.ErrorKind)))
	headers := make(map[string]string, len(d.Headers))
	for k, v := range d.Headers {
		headers[x.shared(k)] = v
	}
	d.Headers = headers
	if i, ok := x.at[pos]; ok {
		x.letters[i], x.sigs[i], x.dropped[i] = d, sig, dropped
		return
	}
	x.at[pos] = len(x.letters)
	x.letters = append(x.letters, d)
	x.sigs = append(x.sigs, sig)
	x.dropped = append(x.dropped, dropped)
	x.newest = nil
}

// shared returns the one copy of s the index keeps: the strings most
// letters repeat (topic, handler, kind, error type, header names, cause)
// are held once, not once a letter. x.mu is held.
func (x *Index) shared(s string) string {
	if c, ok := x.names[s]; ok {
		return c
	}
	x.names[s] = s
	return s
}

func (x *Index) addMarker(r kafkaclient.Record) {
	pos, when, ok := markerOf(r)
	if !ok {
		return
	}
	if slices.Contains(x.markers[pos], when) {
		return
	}
	x.markers[pos] = append(x.markers[pos], when)
	if i, ok := x.at[pos]; ok {
		if d := &x.letters[i]; d.ReplayedAt == nil || when.Before(*d.ReplayedAt) {
			d.ReplayedAt = &when
		}
	}
}

// touch records a change of the letters and wakes whoever waits for one.
// x.mu is held.
func (x *Index) touch() {
	x.version++
	x.wake()
}

// wake wakes whoever waits for a change. x.mu is held.
func (x *Index) wake() {
	close(x.changed)
	x.changed = make(chan struct{})
}

// setEnds records the topic's end offsets, as the brokers just gave them.
func (x *Index) setEnds(ends map[int32]int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ends, x.err = ends, nil
	x.wake()
}

// setErr records why the topic cannot be read now.
func (x *Index) setErr(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.err, x.errAt = err, time.Now()
	x.wake()
}

// Status is how far the index is from the topic.
type Status struct {
	Letters  int             // letters held
	Read     int64           // records read (letters and markers)
	Total    int64           // records in the topic, as last asked (-1: not known)
	Current  bool            // every record up to the ends last asked is read
	Err      error           // why the topic cannot be read now
	ErrAt    time.Time       // since when
	Version  uint64          // one more on every letter or marker read
	Changed  <-chan struct{} // closed on the next change of any of these
	Replayed int             // letters with a replay marker
}

// Status says how far the index is from the topic.
func (x *Index) Status() Status {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Status{Letters: len(x.letters), Total: -1, Err: x.err, ErrAt: x.errAt, Version: x.version, Changed: x.changed}
	for _, n := range x.read {
		s.Read += n // offsets from 0: an approximation once retention has deleted records
	}
	if x.ends != nil {
		s.Total, s.Current = 0, true
		for p, end := range x.ends {
			s.Total += end
			s.Current = s.Current && x.read[p] >= end
		}
	}
	for _, d := range x.letters {
		if d.ReplayedAt != nil {
			s.Replayed++
		}
	}
	return s
}

// sortNewest makes x.newest, the letters' indexes with the latest failure
// first (ties: the later position first). x.mu is held for writing.
func (x *Index) sortNewest() {
	order := make([]int32, len(x.letters))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		da, db := &x.letters[a], &x.letters[b]
		return cmp.Or(db.FailedAt.Compare(da.FailedAt), cmp.Compare(db.DLQPartition, da.DLQPartition), cmp.Compare(db.DLQOffset, da.DLQOffset))
	})
	x.newest = order
}

// lockNewest locks x for reading with x.newest current: for writing, while
// it sorts, if a letter came since the last sort. It returns the unlock.
func (x *Index) lockNewest() (unlock func()) {
	x.mu.RLock()
	if x.newest != nil || len(x.letters) == 0 {
		return x.mu.RUnlock
	}
	x.mu.RUnlock()
	x.mu.Lock()
	if x.newest == nil {
		x.sortNewest()
	}
	return x.mu.Unlock
}

func markerOf(r kafkaclient.Record) (position, time.Time, bool) {
	p, o, when, ok := deadletter.ReplayMarker(r)
	return position{p, o}, when, ok
}
