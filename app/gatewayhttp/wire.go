// Package gatewayhttp is the payment gateway's HTTP API (docs/gateway.md):
// the Server that `orderflow gateway` runs over the simulator, and the Client
// through which serve charges orders and looks their receipts up when
// gateway.url is set. Both speak the steps' port (handlers.PaymentGateway and
// handlers.PaymentLedger); the idempotency key is the order ID, and the
// gateway, not serve, keeps the records, so serve's replicas hold no state.
package gatewayhttp

import (
	"errors"
	"fmt"
	"time"

	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// The API's headers.
const (
	// HeaderIdempotencyKey carries the order ID on POST /v1/charges.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderReplayed is "true" on the answer to a repeat: the first receipt.
	HeaderReplayed = "Idempotent-Replayed"
	// HeaderFault asks for an injected fault (flaky, fail or panic): test
	// machinery, honoured only by a gateway with faults.inject on.
	HeaderFault = "Orderflow-Fault"
)

// The API's paths.
const (
	chargesPath = "/v1/charges"
	chargePath  = "/v1/charges/{key}"
)

// MaxKeyBytes is the longest idempotency key the gateway takes, as real
// providers bound theirs (Stripe: 255 characters).
const MaxKeyBytes = 255

// maxRequestBytes bounds a charge's body: three short fields.
const maxRequestBytes = 4 << 10

// maxAnswerBytes bounds what the client reads of an answer.
const maxAnswerBytes = 64 << 10

// chargeBody is POST /v1/charges's body.
type chargeBody struct {
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	Digest      string `json:"digest"`
}

// validate refuses what no order can ask: the bounds events puts on an order.
func (b chargeBody) validate() error {
	var errs []error
	if b.AmountCents < 1 || b.AmountCents > events.MaxOrderTotal {
		errs = append(errs, fmt.Errorf("amount_cents %d must be between 1 and %d", b.AmountCents, events.MaxOrderTotal))
	}
	if len(b.Currency) != 3 || !upper(b.Currency) {
		errs = append(errs, fmt.Errorf("currency %q is not a 3-letter code", b.Currency))
	}
	if b.Digest == "" || len(b.Digest) > 128 {
		errs = append(errs, fmt.Errorf("digest must be 1 to 128 bytes, not %d", len(b.Digest)))
	}
	return errors.Join(errs...)
}

func upper(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// checkKey refuses an idempotency key that is empty, too long, or holds a
// control character.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("the %s header (the order ID) is missing", HeaderIdempotencyKey)
	case len(key) > MaxKeyBytes:
		return fmt.Errorf("the idempotency key is %d bytes, more than %d", len(key), MaxKeyBytes)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("the idempotency key %q holds a control character", key)
		}
	}
	return nil
}

// receiptBody is a receipt on the wire. charged_at is absent for a decline.
type receiptBody struct {
	PaymentID     string    `json:"payment_id"`
	Declined      bool      `json:"declined"`
	DeclineReason string    `json:"decline_reason"`
	ChargedAt     time.Time `json:"charged_at,omitzero"`
	AmountCents   int64     `json:"amount_cents"`
	Currency      string    `json:"currency"`
	Digest        string    `json:"digest"`
}

func toWire(r handlers.Receipt) receiptBody {
	return receiptBody{PaymentID: r.PaymentID, Declined: r.Declined, DeclineReason: r.DeclineReason,
		ChargedAt: r.ChargedAt, AmountCents: r.AmountCents, Currency: r.Currency, Digest: r.Digest}
}

func (b receiptBody) receipt() handlers.Receipt {
	return handlers.Receipt{PaymentID: b.PaymentID, Declined: b.Declined, DeclineReason: b.DeclineReason,
		ChargedAt: b.ChargedAt, AmountCents: b.AmountCents, Currency: b.Currency, Digest: b.Digest}
}

// errorBody is every answer that is not a receipt; a 409's names the receipt
// recorded under the key.
type errorBody struct {
	Error    string       `json:"error"`
	Recorded *receiptBody `json:"recorded,omitempty"`
}
