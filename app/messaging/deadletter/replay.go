package deadletter

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/schemas"
)

// ReplayResult says what replay did with one dead letter.
type ReplayResult struct {
	Letter   Letter
	Replayed bool
	Refused  string // why not, when not
}

// Replay republishes each dead letter f selects to its original topic, with its
// original UUID, key, payload and headers (correlation ID included) and
// replay_count one higher, then records the replay with a marker in the
// dead-letter topic. A letter replayed already, or whose message was replayed
// replay.max_replays times, or (with a schema registry) whose payload the
// latest schema of its subject no longer accepts, is refused and says why: a replay that fails again
// comes back as a new letter with a higher replay_count, so the limit holds
// across rounds, and running the same replay twice republishes nothing. A
// crash between a republish and its marker can replay that one letter twice.
// It reads the dead-letter topic only up to the end it sees when it starts, so
// it never chases its own output. dryRun reports without publishing. reg,
// the schema registry (nil: none), re-validates the letters (revalidate).
func Replay(ctx context.Context, c kafkaclient.Conn, cfg config.Config, reg *schemas.Registry, f Filter, dryRun bool) ([]ReplayResult, error) {
	letters, err := Read(ctx, c, cfg.Topics.DeadLetter)
	if err != nil {
		return nil, err
	}
	var chosen []Letter
	for _, d := range letters {
		if f.Match(d) {
			chosen = append(chosen, d)
		}
	}
	out := results(chosen, cfg.Replay.MaxReplays)
	if err := revalidate(ctx, reg, out); err != nil {
		return nil, err
	}
	if len(chosen) == 0 || dryRun {
		return out, nil
	}
	prod, err := kafkaclient.NewProducer(c)
	if err != nil {
		return nil, err
	}
	defer prod.Close()

	for i := range out {
		r := &out[i]
		if r.Refused != "" {
			continue
		}
		d := r.Letter
		msg := message.NewMessage(d.UUID, d.Payload)
		for k, v := range d.Headers {
			msg.Metadata.Set(k, v)
		}
		msg.Metadata.Set(HeaderReplayCount, strconv.Itoa(d.ReplayCount+1))
		if err := prod.Send(d.Topic, kafkaclient.WithKey(msg, d.Key)); err != nil {
			return out, fmt.Errorf("replay %s: %w", d.UUID, err)
		}
		r.Replayed = true
		if err := prod.Send(cfg.Topics.DeadLetter, newReplayMarker(d, time.Now())); err != nil {
			return out, fmt.Errorf("record the replay of %s (replayed, not marked: a later replay may repeat it): %w", d.UUID, err)
		}
	}
	return out, nil
}

func results(chosen []Letter, maxReplays int) []ReplayResult {
	out := make([]ReplayResult, len(chosen))
	for i, d := range chosen {
		out[i] = ReplayResult{Letter: d}
		switch {
		case d.ReplayedAt != nil:
			out[i].Refused = "replayed already at " + d.ReplayedAt.Format(time.RFC3339)
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
