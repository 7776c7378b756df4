package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
)

// pageNames are the templates/*.html that are pages; layout.html frames each.
var pageNames = []string{"overview", "triage", "letters", "letter", "replay", "error"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"ts": func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.UTC().Format("2006-01-02 15:04:05Z")
		},
		"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
		"age":     age,
		"inc":     func(n int) int { return n + 1 },
		"span":    span,
		"join":    func(s []string) string { return strings.Join(s, ", ") },
		"kinds": func(ks []deadletter.Kind) string {
			s := make([]string, len(ks))
			for i, k := range ks {
				s[i] = string(k)
			}
			return strings.Join(s, ", ")
		},
		"letterURL": func(d deadletter.Letter) string {
			return fmt.Sprintf("%sletters/%d/%d", Prefix, d.DLQPartition, d.DLQOffset)
		},
		"listURL": func(kv ...string) string {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return Prefix + "letters?" + v.Encode()
		},
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// span names an interval of the timeline: 1m, 15m, 1h, 24h.
func span(d time.Duration) string {
	if d >= time.Hour {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

// age is how long ago t was, roughly.
func age(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return d.String()
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// view is what every page gets: the layout's part and the page's own.
type view struct {
	Title    string
	Nav      string // the menu entry to mark
	Topic    string
	Status   Status
	Behind   string // why the page may not show every letter; "" when it does
	ReadOnly bool
	Live     bool // the page refreshes itself when letters arrive
	Now      time.Time
	Data     any
}

// fragmentHeader asks for a page's content alone: the live refresh.
const fragmentHeader = "X-Console-Fragment"

func (c *Console) render(w http.ResponseWriter, r *http.Request, code int, name string, v view) {
	v.Topic, v.ReadOnly, v.Now = c.cfg.Index.Topic(), c.ReadOnly(), c.cfg.Now()
	if v.Status.Changed == nil { // the page did not wait for the index
		v.Status = c.cfg.Index.Status()
	}
	v.Behind = behind(v.Status)
	tmpl := "layout"
	if r.Header.Get(fragmentHeader) == "1" {
		tmpl = "content"
	}
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, tmpl, v); err != nil {
		c.cfg.Logger.Error("console: render", "page", name, "err", err)
		http.Error(w, "the console failed to render this page; see the log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// problem is what the error page shows.
type problem struct {
	Heading string
	Detail  string
	Hint    string
}

func (c *Console) fail(w http.ResponseWriter, r *http.Request, code int, p problem) {
	c.render(w, r, code, "error", view{Title: p.Heading, Data: p})
}

// behind says why a page may not show every letter, or "".
func behind(s Status) string {
	switch {
	case s.Err != nil && s.Current:
		return fmt.Sprintf("The dead-letter topic cannot be read since %s: %v. Showing what was read before.", s.ErrAt.UTC().Format(time.TimeOnly), s.Err)
	case s.Err != nil:
		return fmt.Sprintf("The dead-letter topic cannot be read since %s: %v. Showing the %d letters read so far.", s.ErrAt.UTC().Format(time.TimeOnly), s.Err, s.Letters)
	case !s.Current && s.Total >= 0:
		return fmt.Sprintf("Still reading the dead-letter topic: %d of about %d records. Letters are missing from this page.", s.Read, s.Total)
	}
	return ""
}

// current waits, up to console.wait, for the index to reach the end of the
// topic as last asked. If it never could read the topic, it answers with the
// error page, saying what is wrong, and false; behind but reading, the page
// goes on and says so.
func (c *Console) current(w http.ResponseWriter, r *http.Request) (Status, bool) {
	wait := c.cfg.Config.Console.Wait
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		s := c.cfg.Index.Status()
		if s.Current {
			return s, true
		}
		select {
		case <-s.Changed:
			continue
		case <-r.Context().Done():
		case <-timer.C:
		}
		if s.Total >= 0 && s.Err == nil || s.Letters > 0 {
			return s, true
		}
		c.fail(w, r, http.StatusServiceUnavailable, c.unreadable(s, wait))
		return s, false
	}
}

func (c *Console) unreadable(s Status, wait time.Duration) problem {
	topic := c.cfg.Index.Topic()
	switch {
	case errors.Is(s.Err, kafkaclient.ErrNoTopic):
		return problem{
			Heading: "The dead-letter topic does not exist",
			Detail:  fmt.Sprintf("Topic %q (topics.dead_letter) is not on the brokers %v: %v.", topic, []string(c.cfg.Conn.Brokers), s.Err),
			Hint:    "serve creates it at start (orderflow topics does too); check topics.dead_letter and kafka.brokers.",
		}
	case s.Err != nil:
		return problem{
			Heading: "The dead-letter topic cannot be read",
			Detail:  fmt.Sprintf("Reading topic %q on %v failed: %v.", topic, []string(c.cfg.Conn.Brokers), s.Err),
			Hint:    "The console retries every few seconds; reload this page.",
		}
	}
	return problem{
		Heading: "The dead-letter topic has not answered yet",
		Detail:  fmt.Sprintf("No answer from the brokers %v about topic %q within console.wait (%s).", []string(c.cfg.Conn.Brokers), topic, wait),
		Hint:    "The brokers may be unreachable or slow; the console keeps trying. Reload this page.",
	}
}
