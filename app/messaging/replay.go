package messaging

import (
	"context"
	"fmt"
	"strconv"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
)

// ReplayResult says what replay did with one dead letter.
type ReplayResult struct {
	DeadLetter DeadLetter
	Replayed   bool
	Refused    string // why not, when not
}

// Replay republishes each dead letter f selects to its original topic, with its
// original UUID, key, payload and headers (correlation ID included) and
// replay_count one higher. A letter replayed max times already is refused. It
// reads the dead-letter topic only up to the end it sees when it starts, so it
// never chases its own output. dryRun reports without publishing.
func Replay(ctx context.Context, brokers Brokers, cfg config.Config, f Filter, dryRun bool) ([]ReplayResult, error) {
	var chosen []DeadLetter
	err := ReadToEnd(ctx, brokers, cfg.Kafka, cfg.Topics.DeadLetter, func(m *sarama.ConsumerMessage) error {
		if d := ParseDeadLetter(m); f.Match(d) {
			chosen = append(chosen, d)
		}
		return nil
	})
	if err != nil || len(chosen) == 0 || dryRun {
		return results(chosen, cfg.Replay.MaxReplays), err
	}
	prod, err := NewProducer(brokers, cfg.Kafka)
	if err != nil {
		return nil, err
	}
	defer prod.Close()

	out := results(chosen, cfg.Replay.MaxReplays)
	for i := range out {
		r := &out[i]
		if r.Refused != "" {
			continue
		}
		d := r.DeadLetter
		msg := message.NewMessage(d.UUID, d.Payload)
		for k, v := range d.Headers {
			msg.Metadata.Set(k, v)
		}
		msg.Metadata.Set(HeaderReplayCount, strconv.Itoa(d.ReplayCount+1))
		var key []byte
		if d.Key != "" {
			key = []byte(d.Key)
		}
		if err := prod.SendKeyed(d.Topic, key, msg); err != nil {
			return out, fmt.Errorf("replay %s: %w", d.UUID, err)
		}
		r.Replayed = true
	}
	return out, nil
}

func results(chosen []DeadLetter, maxReplays int) []ReplayResult {
	out := make([]ReplayResult, len(chosen))
	for i, d := range chosen {
		out[i] = ReplayResult{DeadLetter: d}
		switch {
		case d.ReplayCount >= maxReplays:
			out[i].Refused = fmt.Sprintf("replayed %d times already (replay.max_replays %d)", d.ReplayCount, maxReplays)
		case d.Topic == "":
			out[i].Refused = "no " + HeaderTopic + " header: not a dead letter of orderflow's"
		case d.PayloadOmitted != "":
			out[i].Refused = fmt.Sprintf("its %d-byte payload was left out (%s); the original is at %s/%d offset %d",
				d.PayloadBytes, d.PayloadOmitted, d.Topic, d.Partition, d.Offset)
		}
	}
	return out
}
