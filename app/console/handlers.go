package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	s, ok := c.current(w, r)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "overview", view{Title: "Overview", Nav: "overview", Status: s, Live: true,
		Data: c.cfg.Index.Overview(c.cfg.Now())})
}

// triagePage is the triage page's own data.
type triagePage struct {
	Causes  []deadletter.Cause
	Letters int
}

func (c *Console) triage(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r.URL.Query(), c.cfg.Now())
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, problem{Heading: "Bad filter", Detail: err.Error()})
		return
	}
	s, ok := c.current(w, r)
	if !ok {
		return
	}
	causes := c.cfg.Index.Triage(f)
	n := 0
	for _, cs := range causes {
		n += cs.Count
	}
	c.render(w, r, http.StatusOK, "triage", view{Title: "Triage by cause", Nav: "triage", Status: s, Live: true,
		Data: triagePage{Causes: causes, Letters: n}})
}

// lettersPage is the list page's own data.
type lettersPage struct {
	Filter   deadletter.Filter
	Query    map[string]string // the filter's fields, for the form
	Rows     []deadletter.Letter
	Total    int
	Page     int
	Pages    int
	From, To int
	PrevURL  string
	NextURL  string
	Kinds    []deadletter.Kind
}

func (c *Console) letters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := filterOf(q, c.cfg.Now())
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, problem{Heading: "Bad filter", Detail: err.Error()})
		return
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 0)
	s, ok := c.current(w, r)
	if !ok {
		return
	}
	size := c.cfg.PageMax
	rows, total := c.cfg.Index.List(f, page, size)
	p := lettersPage{Filter: f, Query: map[string]string{}, Rows: rows, Total: total, Page: page,
		Pages: (total + size - 1) / size, From: page*size + 1, To: page*size + len(rows), Kinds: deadletter.Kinds()}
	fq := query(f)
	for k := range fq {
		p.Query[k] = fq.Get(k)
	}
	// The time fields as given, so that "90m" stays "90m" in the form.
	p.Query["since"], p.Query["until"] = q.Get("since"), q.Get("until")
	at := func(n int) string { // this filter, as given, at page n
		v := url.Values{}
		for k, s := range p.Query {
			if s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page", strconv.Itoa(n))
		return Prefix + "letters?" + v.Encode()
	}
	if page > 0 {
		p.PrevURL = at(page - 1)
	}
	if (page+1)*size < total {
		p.NextURL = at(page + 1)
	}
	c.render(w, r, http.StatusOK, "letters", view{Title: "Dead letters", Nav: "letters", Status: s, Live: true, Data: p})
}

// letterPage is a letter's detail.
type letterPage struct {
	Detail
	Payload payloadView
	Fields  [][2]string // the dead-letter headers, decoded
}

// fetchTimeout bounds reading one payload back from the topic.
const fetchTimeout = 5 * time.Second

func (c *Console) letter(w http.ResponseWriter, r *http.Request) {
	p, err1 := strconv.ParseInt(r.PathValue("partition"), 10, 32)
	o, err2 := strconv.ParseInt(r.PathValue("offset"), 10, 64)
	if err1 != nil || err2 != nil {
		c.fail(w, r, http.StatusNotFound, problem{Heading: "No such letter", Detail: "A letter is at /console/letters/PARTITION/OFFSET, both numbers."})
		return
	}
	s, ok := c.current(w, r)
	if !ok {
		return
	}
	d, found := c.cfg.Index.Letter(int32(p), o)
	if !found {
		c.fail(w, r, http.StatusNotFound, problem{Heading: "No such letter",
			Detail: fmt.Sprintf("No dead letter at partition %d, offset %d of %s (a replay marker, or deleted by retention).", p, o, c.cfg.Index.Topic())})
		return
	}
	var fetchErr error
	if d.PayloadDropped {
		ctx, cancel := context.WithTimeout(r.Context(), fetchTimeout)
		rec, err := kafkaclient.ReadAt(ctx, c.cfg.Conn, c.cfg.Index.Topic(), int32(p), o)
		cancel()
		d.Letter.Payload, fetchErr = rec.Value, err
	}
	page := letterPage{Detail: d, Payload: viewPayload(d.Letter, d.PayloadDropped, fetchErr), Fields: fields(d.Letter)}
	c.render(w, r, http.StatusOK, "letter", view{Title: "Letter " + d.Letter.UUID, Nav: "letters", Status: s, Data: page})
}

// fields are a letter's dead-letter headers, decoded, in the order read.
func fields(d deadletter.Letter) [][2]string {
	replayed := "-"
	if d.ReplayedAt != nil {
		replayed = d.ReplayedAt.UTC().Format(time.RFC3339Nano)
	}
	f := [][2]string{
		{"uuid", d.UUID}, {"order (key)", d.OrderID}, {"correlation_id", d.CorrelationID},
		{"original topic", d.Topic}, {"original partition", strconv.Itoa(int(d.Partition))}, {"original offset", strconv.FormatInt(d.Offset, 10)},
		{"original timestamp", fmtTime(d.Timestamp)}, {"schema", d.Schema()}, {"handler", d.Handler}, {"consumer group", d.ConsumerGroup},
		{"error kind", string(d.ErrorKind)}, {"error type", d.ErrorType}, {"reason", d.Reason},
		{"attempts", strconv.Itoa(d.Attempts)}, {"failed at", fmtTime(d.FailedAt)}, {"replay count", strconv.Itoa(d.ReplayCount)},
		{"replayed at", replayed}, {"dead-letter position", fmt.Sprintf("partition %d, offset %d", d.DLQPartition, d.DLQOffset)},
	}
	return f
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// stateJSON is GET /console/api/state: what the live refresh polls.
type stateJSON struct {
	Version uint64 `json:"version"`
	Letters int    `json:"letters"`
	Pending int    `json:"pending"`
	Current bool   `json:"current"`
	Error   string `json:"error,omitempty"`
}

func (c *Console) state(w http.ResponseWriter, _ *http.Request) {
	s := c.cfg.Index.Status()
	out := stateJSON{Version: s.Version, Letters: s.Letters, Pending: s.Letters - s.Replayed, Current: s.Current}
	if s.Err != nil {
		out.Error = s.Err.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
