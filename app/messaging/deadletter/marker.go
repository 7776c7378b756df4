package deadletter

import (
	"context"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// A replay is recorded in the dead-letter topic itself, as a marker record
// after the letter it replayed: a letter with a marker is never replayed
// again, by any process, however often replay runs. Markers live as long as
// the letters (the topic's retention) and need no other topic or store.
const (
	HeaderReplayOfPartition = "replay_of_partition" // the letter's partition in the dead-letter topic
	HeaderReplayOfOffset    = "replay_of_offset"    // and its offset
	HeaderReplayedAt        = "replayed_at"
)

// dlqPosition is where a letter lies in the dead-letter topic.
type dlqPosition struct {
	partition int32
	offset    int64
}

// replayMarker reads m as a replay marker: the position of the letter it
// marks, and when. ok is false for a dead letter.
func replayMarker(m kafkaclient.Record) (at dlqPosition, when time.Time, ok bool) {
	p, o, w := m.Headers[HeaderReplayOfPartition], m.Headers[HeaderReplayOfOffset], m.Headers[HeaderReplayedAt]
	if o == "" {
		return dlqPosition{}, time.Time{}, false
	}
	pn, _ := strconv.ParseInt(p, 10, 32)
	on, _ := strconv.ParseInt(o, 10, 64)
	when, _ = time.Parse(time.RFC3339Nano, w)
	return dlqPosition{int32(pn), on}, when, true
}

// IsReplayMarker reports whether m, read from the dead-letter topic, records a
// replay rather than being a dead letter.
func IsReplayMarker(m kafkaclient.Record) bool {
	_, _, ok := replayMarker(m)
	return ok
}

// newReplayMarker records that d was replayed at when; it carries d's key so
// it lies in d's partition.
func newReplayMarker(d Letter, when time.Time) *message.Message {
	m := message.NewMessage(d.UUID, nil)
	m.Metadata.Set(HeaderReplayOfPartition, strconv.Itoa(int(d.DLQPartition)))
	m.Metadata.Set(HeaderReplayOfOffset, strconv.FormatInt(d.DLQOffset, 10))
	m.Metadata.Set(HeaderReplayedAt, when.UTC().Format(time.RFC3339Nano))
	return kafkaclient.WithKey(m, d.Key)
}

// Read reads the dead-letter topic up to the end it sees when it
// starts and returns its letters in the order read, each with ReplayedAt set
// if a marker says it was replayed.
func Read(ctx context.Context, c kafkaclient.Conn, topic string) ([]Letter, error) {
	var letters []Letter
	replayed := map[dlqPosition]time.Time{}
	err := kafkaclient.ReadToEnd(ctx, c, topic, func(m kafkaclient.Record) error {
		if at, when, ok := replayMarker(m); ok {
			replayed[at] = when
			return nil
		}
		letters = append(letters, Parse(m))
		return nil
	})
	for i := range letters {
		if when, ok := replayed[dlqPosition{letters[i].DLQPartition, letters[i].DLQOffset}]; ok {
			letters[i].ReplayedAt = &when
		}
	}
	return letters, err
}

// ReplayMarker reads m as a replay marker: the dead-letter partition and
// offset of the letter it marks, and when it was replayed. ok is false for a
// dead letter.
func ReplayMarker(m kafkaclient.Record) (partition int32, offset int64, when time.Time, ok bool) {
	at, when, ok := replayMarker(m)
	return at.partition, at.offset, when, ok
}
