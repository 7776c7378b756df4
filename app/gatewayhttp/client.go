package gatewayhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orderflow/orderflow/app/faults"
	"github.com/orderflow/orderflow/events"
	"github.com/orderflow/orderflow/handlers"
)

// Client charges orders and looks their receipts up at a gateway serving the
// API. Each call is bounded by its context (the handler's timeout, per
// attempt), and its errors are classified for the retry middleware:
//
//   - no answer (connection refused or reset, the context's deadline), a 5xx
//     or any other unexpected status: returned as it is, transient, so it is
//     retried and then dead-lettered as retries_exhausted (or timeout);
//   - 409: a *handlers.ConflictError naming the recorded receipt, permanent;
//   - 400 (the gateway refuses the request itself), or an order ID that
//     cannot be a key: permanent, as retrying cannot change it;
//   - a decline is a receipt, an answer;
//   - a 500 to a charge that asked for an injected panic (seed --panic, both
//     faults.inject on) panics here, in the step, as the in-process gateway
//     does: the order is dead-lettered as panic, with its stack.
type Client struct {
	base string
	http *http.Client
}

var (
	_ handlers.PaymentGateway = (*Client)(nil)
	_ handlers.PaymentLedger  = (*Client)(nil)
)

// NewClient reaches the gateway at base (gateway.url) over a keep-alive pool
// of at most maxConns connections (gateway.max_connections): a call past it
// waits for one, within its context.
func NewClient(base string, maxConns int) *Client {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: 5 * time.Second,
		MaxConnsPerHost:     maxConns,
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		// Under the gateway's http.idle_timeout (60 s): the client drops an
		// idle connection before the server does, so no call is sent on a
		// connection the server is closing.
		IdleConnTimeout: 50 * time.Second,
	}
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: transport}}
}

// Close closes the idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Charge charges req at the gateway, once per key.
func (c *Client) Charge(ctx context.Context, req handlers.ChargeRequest) (handlers.Receipt, error) {
	if err := checkKey(req.Key); err != nil {
		return handlers.Receipt{}, events.Permanent(fmt.Errorf("order ID as idempotency key: %w", err))
	}
	body, err := json.Marshal(chargeBody{AmountCents: req.AmountCents, Currency: req.Currency, Digest: req.Digest})
	if err != nil {
		return handlers.Receipt{}, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+chargesPath, bytes.NewReader(body))
	if err != nil {
		return handlers.Receipt{}, events.Permanent(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(HeaderIdempotencyKey, req.Key) // also makes the request replayable on a dead keep-alive connection
	if f := faults.From(ctx); f != faults.None {
		r.Header.Set(HeaderFault, string(f))
	}
	var receipt receiptBody
	var refused errorBody
	status, err := c.do(r, &receipt, &refused)
	switch {
	case err != nil:
		return handlers.Receipt{}, err
	case status == http.StatusOK:
		return receipt.receipt(), nil
	case status == http.StatusConflict && refused.Recorded != nil:
		return handlers.Receipt{}, &handlers.ConflictError{Key: req.Key, Recorded: refused.Recorded.receipt(), Asked: req}
	case status == http.StatusConflict, status == http.StatusBadRequest:
		return handlers.Receipt{}, events.Permanent(&StatusError{Status: status, Message: refused.Error})
	}
	return handlers.Receipt{}, &StatusError{Status: status, Message: refused.Error}
}

// Lookup asks the gateway for the receipt of orderID; 404 is "none".
func (c *Client) Lookup(ctx context.Context, orderID string) (handlers.Receipt, bool, error) {
	if err := checkKey(orderID); err != nil {
		return handlers.Receipt{}, false, events.Permanent(fmt.Errorf("order ID as idempotency key: %w", err))
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+chargesPath+"/"+url.PathEscape(orderID), nil)
	if err != nil {
		return handlers.Receipt{}, false, events.Permanent(err)
	}
	var receipt receiptBody
	var refused errorBody
	status, err := c.do(r, &receipt, &refused)
	switch {
	case err != nil:
		return handlers.Receipt{}, false, err
	case status == http.StatusOK:
		return receipt.receipt(), true, nil
	case status == http.StatusNotFound && refused.Error != "":
		return handlers.Receipt{}, false, nil
	}
	return handlers.Receipt{}, false, &StatusError{Status: status, Message: refused.Error}
}

// do sends r and decodes a 200's JSON into ok, any other status's into
// refused. An answer that is not the API's JSON is a *StatusError.
func (c *Client) do(r *http.Request, ok, refused any) (int, error) {
	resp, err := c.http.Do(r)
	if err != nil {
		return 0, err // *url.Error: method, URL and cause; a deadline stays errors.Is context.DeadlineExceeded
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes)) // so the connection is reused
		resp.Body.Close()
	}()
	into := refused
	if resp.StatusCode == http.StatusOK {
		into = ok
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return 0, &StatusError{Status: resp.StatusCode, Message: "the answer is not JSON (" + resp.Header.Get("Content-Type") + ")"}
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBytes)).Decode(into); err != nil {
		return 0, &StatusError{Status: resp.StatusCode, Message: fmt.Sprintf("unreadable answer: %v", err)}
	}
	return resp.StatusCode, nil
}

// StatusError is an answer the client takes no receipt from: a 5xx or
// another unexpected status (transient), or a 400 (wrapped permanent).
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("payment gateway answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}
