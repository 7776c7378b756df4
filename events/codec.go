package events

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"
)

type decoder func([]byte) (Event, error)

// registry lists every event type and version this build can read.
var registry = map[string]map[int]decoder{
	TypeOrderPlaced:       {1: decodeAs[OrderPlaced]},
	TypePaymentSucceeded:  {1: decodeAs[PaymentSucceeded]},
	TypePaymentDeclined:   {1: decodeAs[PaymentDeclined]},
	TypeShipmentScheduled: {1: decodeAs[ShipmentScheduled]},
	TypeCustomerNotified:  {1: decodeAs[CustomerNotified]},
}

// Decode reads an event of the given type and schema version and validates it.
// Every error it returns is permanent and says what was wrong.
func Decode(eventType string, version int, data []byte) (Event, error) {
	versions, ok := registry[eventType]
	if !ok {
		return nil, Permanent(&MalformedError{fmt.Sprintf("unknown event type %q", eventType)})
	}
	decode, ok := versions[version]
	if !ok {
		return nil, Permanent(&MalformedError{fmt.Sprintf("unsupported schema version %d of %s", version, eventType)})
	}
	ev, err := decode(data)
	if err != nil {
		return nil, Permanent(err)
	}
	return ev, nil
}

// Encode writes an event as JSON.
func Encode(ev Event) ([]byte, error) {
	if data, ok := encodeFast(ev); ok {
		return data, nil
	}
	return json.Marshal(ev)
}

type validator interface{ Validate() error }

// MalformedError says a payload could not be read as the event it claims to be.
type MalformedError struct{ Problem string }

func (e *MalformedError) Error() string { return e.Problem }

// InvalidError says an event was read but broke its contract.
type InvalidError struct {
	EventType string
	Problems  error
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.EventType, strings.ReplaceAll(e.Problems.Error(), "\n", "; "))
}

func decodeAs[T Event](data []byte) (Event, error) {
	var ev T
	if decodeFast(data, &ev) {
		return validated(ev)
	}
	// encoding/json/v2 (the Go team's module, an alias of the standard
	// library's from Go 1.27): one pass that checks the syntax as it decodes,
	// where v1 scans the whole input first; stricter, too: duplicate names and
	// invalid UTF-8 are errors, names match exactly, and an unknown member
	// is refused (an event carries only its contract: a field a producer
	// adds, such as the fault seed once put on orders, is an error).
	if err := json.Unmarshal(data, &ev, json.RejectUnknownMembers(true)); err != nil {
		return nil, malformed(ev.EventType(), data, err)
	}
	return validated(ev)
}

func validated(ev Event) (Event, error) {
	if v, ok := ev.(validator); ok {
		if err := v.Validate(); err != nil {
			return nil, &InvalidError{EventType: ev.EventType(), Problems: err}
		}
	}
	return ev, nil
}
