// Package seed publishes orders to the orders topic, some of them built to
// fail, and says which order got which fault. Poison orders are invalid on the
// wire; the others are valid orders marked with the faults.Header header,
// which a pipeline honours only with faults.inject on.
package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/app/config"
	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/tracing"
	"github.com/orderflow/orderflow/events"
)

// Plan says how many orders to publish, how fast and with which faults.
type Plan struct {
	Count  int
	Rate   float64 // orders per second; 0 is as fast as possible
	Poison int     // invalid on the wire: not JSON, or JSON failing validation
	Flaky  int
	Fail   int
	Panic  int
}

// Validate reports what is wrong with the plan in one line, naming the
// flags (seed's and demo's) that set it.
func (p Plan) Validate() error {
	var negative, faulty []string
	if p.Count < 0 {
		negative = append(negative, fmt.Sprintf("--count %d", p.Count))
	}
	if p.Rate < 0 {
		negative = append(negative, fmt.Sprintf("--rate %g", p.Rate))
	}
	faults := 0
	for _, f := range []struct {
		flag string
		n    int
	}{{"poison", p.Poison}, {"flaky", p.Flaky}, {"fail", p.Fail}, {"panic", p.Panic}} {
		switch {
		case f.n < 0:
			negative = append(negative, fmt.Sprintf("--%s %d", f.flag, f.n))
		case f.n > 0:
			faulty = append(faulty, fmt.Sprintf("--%s %d", f.flag, f.n))
			faults += f.n
		}
	}
	if len(negative) > 0 {
		return fmt.Errorf("%s: must be 0 or more", strings.Join(negative, ", "))
	}
	if faults > p.Count {
		return fmt.Errorf("%d faulty orders (%s) do not fit in --count %d: lower those or raise --count",
			faults, strings.Join(faulty, ", "), p.Count)
	}
	return nil
}

// Manifest lists the order IDs seeded, by what was done to them.
type Manifest struct {
	Run    string   `json:"run"`
	Orders []string `json:"orders"` // every order, faulty ones included
	Poison []string `json:"poison"`
	Flaky  []string `json:"flaky"`
	Fail   []string `json:"fail"`
	Panic  []string `json:"panic"`
	// Declined lists valid orders over the gateway's limit, flaky and fail ones
	// included: once the gateway answers them, they end declined, not paid.
	Declined []string `json:"declined"`
}

const batchSize = 500

// Run publishes the plan's orders, printing progress to progress (may be nil)
// on runs longer than a second.
func Run(ctx context.Context, prod *kafkaclient.Producer, cfg config.Config, p Plan, progress io.Writer) (Manifest, error) {
	if err := p.Validate(); err != nil {
		return Manifest{}, err
	}
	run := uuid.NewString()[:8]
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	faults := assignFaults(p, rng)
	m := Manifest{Run: run}
	start, lastReport := time.Now(), time.Now()

	for sent := 0; sent < p.Count; {
		n := min(batchSize, p.Count-sent)
		if p.Rate > 0 {
			due := int(time.Since(start).Seconds()*p.Rate) + 1 - sent
			if due <= 0 {
				wait := time.Until(start.Add(time.Duration(float64(sent) / p.Rate * float64(time.Second))))
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return m, ctx.Err()
				}
				continue
			}
			n = min(n, due)
		}
		batch := make([]*message.Message, 0, n)
		for i := sent; i < sent+n; i++ {
			id := fmt.Sprintf("ord-%s-%06d", run, i)
			msg, err := build(id, faults[i], cfg.Gateway, rng, &m)
			if err != nil {
				return m, err
			}
			batch = append(batch, msg)
		}
		if err := prod.Send(cfg.Topics.Orders, batch...); err != nil {
			return m, err
		}
		sent += n
		if progress != nil && time.Since(lastReport) >= time.Second {
			fmt.Fprintf(progress, "seeded %d/%d orders\n", sent, p.Count)
			lastReport = time.Now()
		}
		if err := ctx.Err(); err != nil {
			return m, err
		}
	}
	return m, nil
}

type fault int

const (
	none fault = iota
	poisonNotJSON
	poisonInvalid
	flaky
	fail
	panicky
)

// assignFaults spreads the faults over random positions.
func assignFaults(p Plan, rng *rand.Rand) []fault {
	out := make([]fault, p.Count)
	pos := rng.Perm(p.Count)
	i := 0
	put := func(n int, f func(k int) fault) {
		for k := range n {
			out[pos[i]] = f(k)
			i++
		}
	}
	put(p.Poison, func(k int) fault { return []fault{poisonNotJSON, poisonInvalid}[k%2] })
	put(p.Flaky, func(int) fault { return flaky })
	put(p.Fail, func(int) fault { return fail })
	put(p.Panic, func(int) fault { return panicky })
	return out
}

// build makes order id's message and files it in the manifest.
func build(id string, f fault, gw config.Gateway, rng *rand.Rand, m *Manifest) (*message.Message, error) {
	m.Orders = append(m.Orders, id)
	o := Order(id, rng)
	var injected faults.Fault
	switch f {
	case poisonNotJSON, poisonInvalid:
		m.Poison = append(m.Poison, id)
	case flaky:
		injected = faults.Flaky
		m.Flaky = append(m.Flaky, id)
	case fail:
		injected = faults.Fail
		m.Fail = append(m.Fail, id)
	case panicky:
		injected = faults.Panic
		m.Panic = append(m.Panic, id)
	}
	// The gateway answers every order but a poison or panic one, a fail order
	// once it is replayed: over the limit, that answer is a decline.
	if (f == none || f == flaky || f == fail) && o.TotalCents > gw.DeclineOverCents {
		m.Declined = append(m.Declined, id)
	}
	msg, err := codec.NewEventMessage(o, uuid.NewString())
	if err != nil {
		return nil, err
	}
	tracing.Inject(tracing.Start(context.Background()), msg) // each order starts a trace
	if injected != faults.None {
		msg.Metadata.Set(faults.Header, string(injected)) // honoured where faults.inject is on
	}
	switch f {
	case poisonNotJSON:
		msg.Payload = []byte(`{"order_id": "` + id + `", this is not JSON`)
	case poisonInvalid:
		o.Items, o.Currency = nil, "EURO"
		if msg.Payload, err = json.Marshal(o); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

var skus = []string{"BOOK-001", "MUG-042", "TEE-M-BLK", "PEN-007", "CAP-RED", "SOCK-3PK"}

// Order returns a valid order of realistic size (about 0.5 KB of JSON). About
// one in ten is large enough to exceed the default decline limit.
func Order(id string, rng *rand.Rand) events.OrderPlaced {
	o := events.OrderPlaced{
		OrderID:    id,
		CustomerID: fmt.Sprintf("cus-%05d", rng.IntN(100_000)),
		Currency:   "EUR",
		PlacedAt:   time.Now().UTC(),
		ShipTo: events.Address{
			Name: "Ada Lovelace", Street: "12 Analytical Engine Lane",
			City: "London", Postcode: "NW1 2DB", Country: "GB",
		},
	}
	o.Email = o.CustomerID + "@example.com"
	for range 1 + rng.IntN(3) {
		it := events.Item{SKU: skus[rng.IntN(len(skus))], Quantity: 1 + rng.IntN(3), PriceCents: int64(199 + rng.IntN(4800))}
		o.Items = append(o.Items, it)
		o.TotalCents += int64(it.Quantity) * it.PriceCents
	}
	if rng.IntN(10) == 0 {
		big := events.Item{SKU: "TV-65IN", Quantity: 1, PriceCents: 89_900}
		o.Items = append(o.Items, big)
		o.TotalCents += big.PriceCents
	}
	return o
}
